import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** An HTTP server of a test's own on a spare loopback port: upstreams, webhook receivers. */
export class LoopbackServer {
  constructor(protected readonly server: Server) {}

  /** Listens, and resolves with the address to reach it at. */
  async start(): Promise<string> {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
  }
}
