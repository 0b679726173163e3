import { createServer, type IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import next from "next";
import { ConfigError } from "@/lib/config";
import { peerAddressHeader, peerSecureHeader, rawTargetHeader } from "@/lib/gateway/next-adapter";
import { prepareDatabase, prepareEnvironment, StartupError } from "@/lib/startup";

const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "0.0.0.0";

/** Tells the gateway what only the socket knows; a client's own copy of these headers is discarded first. */
function stampTransport(request: IncomingMessage): void {
  request.headers[peerAddressHeader] = request.socket.remoteAddress ?? "";
  request.headers[peerSecureHeader] = (request.socket as TLSSocket).encrypted ? "1" : "0";
  request.headers[rawTargetHeader] = request.url ?? "/";
}

async function main(): Promise<void> {
  await prepareEnvironment();
  const embedded = await prepareDatabase({ shareRunning: false });
  process.env.GATEHOUSE_SERVER = "1";
  const app = next({ dev, dir: process.cwd(), hostname, port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = app.getUpgradeHandler();

  const server = createServer((request, response) => {
    stampTransport(request);
    void handle(request, response);
  });
  server.on("upgrade", (request, socket, head) => void upgrade(request, socket, head));
  server.listen(port, hostname, () => {
    console.log(`Gatehouse ${dev ? "(dev) " : ""}listening on http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}` +
      (embedded ? ` with the embedded database in ${process.env.GATEHOUSE_DATA_DIR || ".data"}` : ""));
  });

  const shutdown = () => {
    server.close(() => void embedded?.stop().finally(() => process.exit(0)));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

main().catch((error) => {
  console.error(error instanceof ConfigError || error instanceof StartupError ? error.message : error);
  process.exit(1);
});
