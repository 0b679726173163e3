import { EventEmitter } from "node:events";
import { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { MeteredBody } from "@/lib/gateway/metered-body";
import { gateway } from "@/lib/gateway/pipeline";
import type { GatewayRequest } from "@/lib/gateway/types";

/**
 * The client went away. Node 20 builds an AbortController slowly (a few percent of a proxied request
 * in the profile); undici takes any emitter of `abort` with an `aborted` flag as a signal.
 */
class ClientDeparture extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit("abort");
  }
}

function gatewayRequest(request: IncomingMessage, signal: ClientDeparture, hasBody: boolean, appDeploymentId: string | undefined): GatewayRequest {
  const raw = request.url ?? "/";
  const queryStart = raw.indexOf("?");
  return {
    method: request.method ?? "GET",
    path: queryStart < 0 ? raw : raw.slice(0, queryStart),
    query: queryStart < 0 ? "" : raw.slice(queryStart),
    headers: request.headers,
    body: hasBody ? request : null,
    peerAddress: request.socket.remoteAddress ?? "",
    peerSecure: Boolean((request.socket as TLSSocket).encrypted),
    canRelayContentEncoding: true,
    signal,
    appDeploymentId,
  };
}

/**
 * Drives the gateway pipeline straight from node:http: no Next round trip, the raw request target as
 * the client sent it, the real socket address, and bodies piped without conversion. `appDeploymentId`
 * when the request came to a deployment's own origin.
 */
export async function handleGatewayNode(request: IncomingMessage, response: ServerResponse, appDeploymentId?: string): Promise<void> {
  const departure = new ClientDeparture();
  // `close` on the response before it finished means the client went away mid-request.
  response.once("close", () => response.writableFinished || departure.abort());
  const hasBody =
    request.headers["content-length"] !== undefined ? request.headers["content-length"] !== "0" : request.headers["transfer-encoding"] !== undefined;

  const answer = await gateway().handle(gatewayRequest(request, departure, hasBody, appDeploymentId));
  if (departure.aborted) {
    if (answer.body instanceof MeteredBody) answer.body.discard();
    response.destroy();
    return;
  }
  response.writeHead(answer.status, answer.headers);
  if (answer.body === null) {
    response.end();
  } else if (answer.body instanceof Uint8Array) {
    response.end(answer.body);
  } else {
    if (answer.body.headFirst) response.flushHeaders();
    // When the deployment fails mid-body, destroying the socket tells the client the body is incomplete.
    if (!(await answer.body.pipeTo(response))) response.destroy();
  }
}

function head(status: number, headers: OutgoingHttpHeaders): string {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${item}`);
  }
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/**
 * A WebSocket upgrade under the gateway: checked like any request, then the client's socket is joined
 * to the deployment's. Frames pass as bytes, so close codes and binary messages arrive untouched.
 */
export async function handleGatewayUpgrade(request: IncomingMessage, socket: Duplex, firstBytes: Buffer, appDeploymentId?: string): Promise<void> {
  const departure = new ClientDeparture();
  socket.once("close", () => departure.abort());
  socket.on("error", () => socket.destroy());
  const answer = await gateway().upgrade(gatewayRequest(request, departure, false, appDeploymentId));

  if (!("socket" in answer)) {
    const body = answer.body instanceof Uint8Array ? answer.body : undefined;
    socket.end(head(answer.status, { ...answer.headers, connection: "close" }) + (body ? Buffer.from(body).toString() : ""));
    return;
  }
  const upstream = answer.socket;
  if (departure.aborted) {
    upstream.destroy();
    answer.closed(0, 0, { switched: false, failed: false });
    return;
  }
  socket.write(head(101, answer.headers));
  if (firstBytes.length) upstream.write(firstBytes);
  socket.pipe(upstream).pipe(socket);
  let bytesIn = firstBytes.length;
  let bytesOut = 0;
  socket.on("data", (chunk: Buffer) => (bytesIn += chunk.length));
  upstream.on("data", (chunk: Buffer) => (bytesOut += chunk.length));
  let ended = false;
  const end = (failed: boolean) => {
    if (ended) return;
    ended = true;
    socket.destroy();
    upstream.destroy();
    answer.closed(bytesIn, bytesOut, { switched: true, failed });
  };
  upstream.on("error", () => end(true));
  upstream.on("close", () => end(false));
  socket.on("close", () => end(false));
  // The client's socket carries both directions, so its silence is the connection's.
  if (answer.idleTimeoutMs) {
    (socket as Socket).setTimeout(answer.idleTimeoutMs);
    socket.once("timeout", () => end(false));
  }
}
