import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

/** An echo WebSocket deployment: echoes text and binary frames; `close:CODE:REASON` makes it close with that code. */
export async function startWebSocketUpstream() {
  const server = createServer((_request, response) => response.end("plain http"));
  const sockets = new WebSocketServer({ server });
  const handshakes: IncomingHttpHeaders[] = [];
  sockets.on("connection", (socket, request) => {
    handshakes.push(request.headers);
    socket.on("message", (data, isBinary) => {
      const text = isBinary ? "" : data.toString();
      const close = /^close:(\d+):(.*)$/.exec(text);
      if (close) socket.close(Number(close[1]), close[2]);
      else socket.send(data, { binary: isBinary });
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    handshakes,
    async stop() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      server.close();
    },
  };
}
