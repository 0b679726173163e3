import type { OutgoingHttpHeaders } from "node:http";
import { pipeline, type Readable, Transform, type TransformCallback } from "node:stream";

/** How far into a stream the `endpoint` event is looked for; servers send it first. */
const scanLimitBytes = 64 * 1024;
const eventBoundary = /\r\n\r\n|\n\n|\r\r/;

/**
 * The older MCP transport (HTTP+SSE) tells its client where to POST messages in an `endpoint` event,
 * and the official SDK always sends an absolute path (`/messages?sessionId=…`). Under the gateway prefix
 * that path would leave the deployment, so on the hub URL it is mapped into the prefix, as `Location` is.
 * Only that event changes: events before it pass as they came, each once complete (an SSE client acts
 * on nothing before an event's blank line), and after it, or past the scan limit, bytes pass untouched.
 */
class EndpointEventMapper extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private scanning = true;

  constructor(private readonly mapUrl: (url: string) => string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.scanning) {
      done(null, chunk);
      return;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    // latin1 maps bytes to characters one to one, so string offsets are byte offsets.
    const text = this.pending.toString("latin1");
    let start = 0;
    for (let match = eventBoundary.exec(text); match; match = eventBoundary.exec(text.slice(start))) {
      const end = start + match.index + match[0].length;
      const event = this.pending.subarray(start, end);
      start = end;
      const mapped = this.mapped(event);
      this.push(mapped ?? event);
      if (mapped) {
        this.stopScanning(start);
        done();
        return;
      }
    }
    this.pending = this.pending.subarray(start);
    if (start >= scanLimitBytes || this.pending.length >= scanLimitBytes) this.stopScanning(0);
    done();
  }

  override _flush(done: TransformCallback): void {
    done(null, this.pending.length ? this.pending : undefined);
  }

  private stopScanning(from: number): void {
    this.scanning = false;
    if (this.pending.length > from) this.push(this.pending.subarray(from));
    this.pending = Buffer.alloc(0);
  }

  /** The event with its data mapped, when it is the endpoint event; else null. */
  private mapped(event: Buffer): Buffer | null {
    const lines = event.toString("utf8").split(/(\r\n|\r|\n)/);
    if (!lines.some((line) => /^event:\s?endpoint$/.test(line))) return null;
    return Buffer.from(lines.map((line) => (line.startsWith("data:") ? `data: ${this.mapUrl(line.slice(5).replace(/^ /, ""))}` : line)).join(""), "utf8");
  }
}

/**
 * A deployment's event stream on the hub URL, with an MCP `endpoint` event mapped into the prefix.
 * Its length may change, so a Content-Length the deployment sent is dropped.
 */
export function withEndpointMapped(body: Readable, headers: OutgoingHttpHeaders, map: (url: string) => string): Readable {
  delete headers["content-length"];
  // pipeline: the deployment's failure reaches the metered body, and a client leaving releases the deployment.
  return pipeline(body, new EndpointEventMapper(map), () => {});
}

export function isEventStream(headers: OutgoingHttpHeaders): boolean {
  return String(headers["content-type"] ?? "")
    .toLowerCase()
    .startsWith("text/event-stream");
}
