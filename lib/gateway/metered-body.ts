import type { Readable, Writable } from "node:stream";

/**
 * A deployment's response body on its way to the client: counts the bytes that pass and reports once,
 * when the body has been handed over in full, has failed, or was abandoned. The node adapter pipes it
 * straight into the socket (`pipeTo`); other transports iterate it.
 */
export class MeteredBody implements AsyncIterable<Uint8Array> {
  private bytes = 0;
  private reported = false;

  constructor(
    private readonly source: Readable,
    private readonly onEnd: (bytes: number, failed: boolean) => void,
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

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    let failed = true;
    try {
      for await (const chunk of this.source) {
        this.bytes += chunk.length;
        yield chunk;
      }
      failed = false;
    } finally {
      this.report(failed);
    }
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
