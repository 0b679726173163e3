import type { Readable, Writable } from "node:stream";
import type { BodyPrefix } from "@/lib/gateway/mcp-calls";

/**
 * A deployment's response body on its way to the client: counts the bytes that pass and reports once,
 * when the body has been handed over in full, has failed, or was abandoned. The node adapter pipes it
 * straight into the socket (`pipeTo`); the Next adapter hands it over as a web stream (`toWebStream`).
 */
export class MeteredBody {
  private bytes = 0;
  private reported = false;

  /**
   * @param headFirst whether the client must get the head before the first byte: a body of unknown
   * length (an event stream, a chunked reply) may be minutes from it. A body of known length follows
   * its head at once, and waiting lets the head leave in the same write.
   */
  constructor(
    private readonly source: Readable,
    private readonly onEnd: (bytes: number, failed: boolean) => void,
    readonly headFirst: boolean,
    /** Keeps the body's first bytes as they pass, for the analytics (an MCP call's answer). */
    private readonly prefix?: BodyPrefix,
  ) {}

  private report(failed: boolean): void {
    if (this.reported) return;
    this.reported = true;
    this.onEnd(this.bytes, failed);
  }

  /** For a body nobody will read (the client left first): releases the deployment's stream and reports. */
  discard(): void {
    this.source.destroy();
    this.report(true);
  }

  /**
   * The body as a web stream, for transports that take one (a Next route handler's Response). Built
   * on `data` events rather than async iteration: each chunk then crosses one queue, not a chain of
   * promises (lib/runtime/awaitable.ts says why that matters). With `headFirst`,
   * an empty chunk leads: Next writes the head only with the first chunk.
   */
  toWebStream(): ReadableStream<Uint8Array> {
    const { source } = this;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          if (this.headFirst) controller.enqueue(new Uint8Array(0));
          source.on("data", (chunk: Buffer) => {
            this.bytes += chunk.length;
            this.prefix?.add(chunk);
            controller.enqueue(chunk);
            if ((controller.desiredSize ?? 0) <= 0) source.pause();
          });
          source.once("end", () => {
            controller.close();
            this.report(false);
          });
          // An error, or a close before the end: the deployment failed mid-body. Erroring the stream
          // makes Next cut the client's connection, which tells the client its body is incomplete.
          const fail = (error?: Error) => {
            controller.error(error ?? new Error("The deployment closed its response before the end."));
            this.report(true);
          };
          source.once("error", fail);
          source.once("close", () => source.readableEnded || fail());
        },
        pull: () => {
          source.resume();
        },
        cancel: () => this.discard(),
      },
      // Counted in chunks: at most this many wait for a slow reader before the deployment is paused.
      { highWaterMark: 4 },
    );
  }

  /**
   * Writes the body into `destination` with backpressure, as `.pipe()` does, and resolves true once all
   * of it was written, false if the deployment failed mid-body or the client left (the source is then
   * destroyed). Hand-rolled because stream/promises' pipeline builds and aborts an AbortController on
   * every call, a measurable share of a small proxied request.
   */
  pipeTo(destination: Writable): Promise<boolean> {
    const { source } = this;
    return new Promise((resolve) => {
      const onData = (chunk: Buffer) => {
        this.bytes += chunk.length;
        this.prefix?.add(chunk);
        if (!destination.write(chunk)) source.pause();
      };
      const onDrain = () => source.resume();
      const settle = (delivered: boolean) => {
        source.off("data", onData).off("end", onEnd).off("error", onFailure).off("close", onSourceClose);
        destination.off("drain", onDrain).off("close", onFailure);
        if (!delivered) source.destroy();
        this.report(!delivered);
        resolve(delivered);
      };
      const onEnd = () => {
        destination.end();
        settle(true);
      };
      const onFailure = () => settle(false);
      const onSourceClose = () => source.readableEnded || settle(false);
      source.on("data", onData).once("end", onEnd).once("error", onFailure).once("close", onSourceClose);
      destination.on("drain", onDrain).once("close", onFailure);
    });
  }
}
