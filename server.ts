import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import next from "next";
import { startAlertJobs } from "@/lib/alerts/jobs";
import { appHosts } from "@/lib/app-origins/app-hosts";
import { ConfigError, config } from "@/lib/config";
import { closeDatabase, pool } from "@/lib/db";
import { clientFacts, strictTransportSecurity } from "@/lib/gateway/headers";
import { peerAddressHeader, peerSecureHeader, rawTargetHeader } from "@/lib/gateway/next-adapter";
import { handleGatewayNode, handleGatewayUpgrade } from "@/lib/gateway/node-adapter";
import { gatewayPrefix } from "@/lib/gateway/path";
import { startDraining } from "@/lib/health";
import { consentViewHeader } from "@/lib/oauth/consent";
import { isAppResourceMetadata, oauthRoute, serveOAuth, serveResourceMetadata } from "@/lib/oauth/http";
import { requestRecorder } from "@/lib/request-log/recorder";
import { startRetentionJob } from "@/lib/request-log/retention";
import { prepareDatabase, prepareEnvironment, StartupError } from "@/lib/startup";

const dev = process.argv.includes("--dev");

/** Tells the route handler what only the socket knows, overwriting any copy a client sent. */
function stampTransport(request: IncomingMessage): void {
  request.headers[peerAddressHeader] = request.socket.remoteAddress ?? "";
  request.headers[peerSecureHeader] = (request.socket as TLSSocket).encrypted ? "1" : "0";
  request.headers[rawTargetHeader] = request.url ?? "/";
}

async function main(): Promise<void> {
  await prepareEnvironment();
  const embedded = await prepareDatabase({ shareRunning: false });
  const settings = config();
  // Behind a proxy nothing else says which URL is ours: a Host header is the client's to choose.
  if (settings.NODE_ENV === "production" && !settings.GATEHOUSE_PUBLIC_URL) {
    throw new ConfigError([
      "GATEHOUSE_PUBLIC_URL is required with NODE_ENV=production (`npm start`): the hub's public origin, such as https://gatehouse.example.com",
    ]);
  }
  const {
    PORT: port,
    HOST: hostname,
    GATEWAY_FAST_PATH: fastPath,
    GATEHOUSE_DATA_DIR: dataDir,
    SHUTDOWN_DEADLINE_MS: deadline,
    GATEWAY_TRUSTED_PROXIES: trustedProxies,
  } = settings;
  process.env.GATEHOUSE_SERVER = "1";
  // Next attaches its own "upgrade" listener to the server it is given, with its first request, and
  // would race ours for every socket. It gets a stand-in instead: our listener below passes it only the
  // upgrades that are Next's (dev reload), where its listener runs its router's upgrade handler.
  // (`app.getUpgradeHandler()` is not that handler: it skips the router, and dev reload sockets hang.)
  const nextUpgrades = new EventEmitter();
  const app = next({ dev, dir: process.cwd(), hostname, port, httpServer: nextUpgrades as Server });
  await app.prepare();
  const handleNext = app.getRequestHandler();
  const apps = appHosts();
  /** With app origins, the deployment a request's host names (see AppHosts.deploymentIdOf); undefined for the hub. */
  const appOf = (request: IncomingMessage) => apps?.deploymentIdOf(clientFacts(request.headers, "", false, trustedProxies).host);

  // Slow clients are cut off by silence, not by length: a head must arrive within CLIENT_HEADERS_TIMEOUT_MS,
  // and a connection silent both ways for CLIENT_IDLE_TIMEOUT_MS is closed, so an upload that keeps
  // sending and an event stream that keeps talking live as long as they need (no whole-request limit
  // unless CLIENT_REQUEST_TIMEOUT_MS says so). Node checks heads on an interval: a fraction of the limit.
  const connectionsCheckingInterval = Math.min(30_000, Math.max(250, Math.floor(settings.CLIENT_HEADERS_TIMEOUT_MS / 4)));
  const server = createServer({ connectionsCheckingInterval }, (request: IncomingMessage, response: ServerResponse) => {
    // An app origin is the deployment's alone: none of the hub's pages or APIs is served there, whatever the path.
    const appDeploymentId = appOf(request);
    if (appDeploymentId && isAppResourceMetadata(request.url)) {
      serveResourceMetadata(request, response, appDeploymentId);
      return;
    }
    if (appDeploymentId !== undefined) {
      handleGatewayNode(request, response, appDeploymentId).catch((error) => {
        console.error("[gatehouse] app origin failed", error);
        response.destroy();
      });
      return;
    }
    if (fastPath && request.url?.startsWith(gatewayPrefix)) {
      handleGatewayNode(request, response).catch((error) => {
        console.error("[gatehouse] gateway fast path failed", error);
        response.destroy();
      });
      return;
    }
    delete request.headers[consentViewHeader];
    const client = clientFacts(request.headers, request.socket.remoteAddress ?? "", Boolean((request.socket as TLSSocket).encrypted), trustedProxies);
    stampTransport(request);
    if (client.proto === "https") response.setHeader("strict-transport-security", strictTransportSecurity);
    if (!oauthRoute(request.url)) {
      void handleNext(request, response);
      return;
    }
    serveOAuth(request, response, client).then(
      (served) => {
        if (!served) void handleNext(request, response);
      },
      (error) => {
        console.error("[gatehouse] authorization server failed", error);
        response.destroy();
      },
    );
  });
  server.headersTimeout = settings.CLIENT_HEADERS_TIMEOUT_MS;
  server.requestTimeout = settings.CLIENT_REQUEST_TIMEOUT_MS;
  server.timeout = settings.CLIENT_IDLE_TIMEOUT_MS;
  server.maxConnections = settings.CLIENT_MAX_CONNECTIONS || Number.POSITIVE_INFINITY;
  // Route handlers cannot take over a socket, so WebSockets under the gateway are always served here.
  // Upgraded sockets leave the server's connection list, so shutdown must end them itself.
  const upgraded = new Set<Duplex>();
  server.on("upgrade", (request: IncomingMessage, socket, head) => {
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    const appDeploymentId = appOf(request);
    if (appDeploymentId !== undefined || request.url?.startsWith(gatewayPrefix)) {
      handleGatewayUpgrade(request, socket, head, appDeploymentId).catch((error) => {
        console.error("[gatehouse] gateway upgrade failed", error);
        socket.destroy();
      });
      return;
    }
    // Before Next's first request it has no listener yet, and nothing of Next's to upgrade to.
    if (!nextUpgrades.emit("upgrade", request, socket, head)) socket.destroy();
  });
  const stopRetention = startRetentionJob(
    pool(),
    { rawDays: settings.REQUEST_LOG_RETENTION_DAYS, rollupDays: settings.ROLLUP_RETENTION_DAYS },
    settings.RETENTION_INTERVAL_MS,
  );
  server.listen(port, hostname, () => {
    const where = `http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}`;
    console.log(`Gatehouse ${dev ? "(dev) " : ""}listening on ${where}${embedded ? ` with the embedded database in ${dataDir}` : ""}`);
  });
  const stopAlertJobs = startAlertJobs();

  // Stop accepting, let requests in flight finish until the deadline, then end what is left (long
  // event streams, WebSockets), close the embedded database, and exit 0.
  const shutdown = async (signal: string) => {
    // Readiness fails first and the listener stays open for SHUTDOWN_READINESS_DELAY_MS, so load balancers
    // see the instance leave and stop sending before new connections would be refused.
    startDraining();
    if (settings.SHUTDOWN_READINESS_DELAY_MS) {
      console.log(`${signal}: readiness failing; still accepting for ${settings.SHUTDOWN_READINESS_DELAY_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, settings.SHUTDOWN_READINESS_DELAY_MS));
    }
    console.log(`${signal}: draining for up to ${deadline} ms`);
    const retentionStopped = stopRetention();
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const cutoff = setTimeout(() => {
      server.closeAllConnections();
      for (const socket of upgraded) socket.destroy();
    }, deadline);
    await drained;
    clearTimeout(cutoff);
    await Promise.all([requestRecorder().close(deadline), stopAlertJobs(), retentionStopped]);
    await closeDatabase();
    await embedded?.stop();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error) => {
  console.error(error instanceof ConfigError || error instanceof StartupError ? error.message : error);
  process.exit(1);
});
