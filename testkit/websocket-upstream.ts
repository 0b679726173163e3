import { createServer, type IncomingHttpHeaders } from "node:http";
import { WebSocketServer } from "ws";
import { LoopbackServer } from "./loopback-server";

/** An echo WebSocket deployment: echoes text and binary frames; `close:CODE:REASON` makes it close with that code. */
export class WebSocketUpstream extends LoopbackServer {
  /** The headers of every handshake that reached it, in order. */
  readonly handshakes: IncomingHttpHeaders[] = [];
  private readonly sockets: WebSocketServer;

  constructor() {
    super(createServer((_request, response) => response.end("plain http")));
    this.sockets = new WebSocketServer({ server: this.server });
    this.sockets.on("connection", (socket, request) => {
      this.handshakes.push(request.headers);
      socket.on("message", (data, isBinary) => {
        const text = isBinary ? "" : data.toString();
        const close = /^close:(\d+):(.*)$/.exec(text);
        if (close) socket.close(Number(close[1]), close[2]);
        else socket.send(data, { binary: isBinary });
      });
    });
  }

  async stop(): Promise<void> {
    for (const client of this.sockets.clients) client.terminate();
    this.sockets.close();
    await super.stop();
  }
}
