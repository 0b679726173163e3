import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { TLSSocket } from "node:tls";
import { gateway } from "@/lib/gateway/pipeline";

/**
 * Drives the gateway pipeline straight from node:http: no Next round trip, the raw request target as
 * the client sent it, the real socket address, and bodies piped without conversion.
 */
export async function handleGatewayNode(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const raw = request.url ?? "/";
  const queryStart = raw.indexOf("?");
  const aborted = new AbortController();
  // `close` on the response before it finished means the client went away mid-request.
  response.once("close", () => response.writableFinished || aborted.abort());
  const hasBody = request.headers["content-length"] !== undefined ? request.headers["content-length"] !== "0" : request.headers["transfer-encoding"] !== undefined;

  const answer = await gateway().handle({
    method: request.method ?? "GET",
    path: queryStart < 0 ? raw : raw.slice(0, queryStart),
    query: queryStart < 0 ? "" : raw.slice(queryStart),
    headers: request.headers,
    body: hasBody ? request : null,
    peerAddress: request.socket.remoteAddress ?? "",
    peerSecure: Boolean((request.socket as TLSSocket).encrypted),
    canRelayContentEncoding: true,
    signal: aborted.signal,
  });
  if (aborted.signal.aborted) {
    response.destroy();
    return;
  }
  response.writeHead(answer.status, answer.headers);
  if (answer.body === null) {
    response.end();
  } else if (answer.body instanceof Uint8Array) {
    response.end(answer.body);
  } else {
    // Send the head now: an event stream's client must see it before the first event, which may be minutes away.
    response.flushHeaders();
    // An upstream that fails mid-body rejects here; destroying the socket tells the client the body is incomplete.
    await pipeline(answer.body, response).catch(() => response.destroy());
  }
}
