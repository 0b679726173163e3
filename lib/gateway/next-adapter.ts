import type { IncomingHttpHeaders } from "node:http";
import { MeteredBody } from "@/lib/gateway/metered-body";
import { gateway } from "@/lib/gateway/pipeline";
import type { GatewayResponse } from "@/lib/gateway/types";

/**
 * Headers our own server (server.ts) adds to every request it hands to Next, after deleting any copy a
 * client sent: Next's Request does not expose the socket. Believed only when that server is in front.
 */
export const peerAddressHeader = "x-gatehouse-peer-address";
export const peerSecureHeader = "x-gatehouse-peer-secure";
export const rawTargetHeader = "x-gatehouse-raw-target";
const behindGatehouseServer = () => process.env.GATEHOUSE_SERVER === "1";

function headersOf(request: Request): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

function toResponse(answer: GatewayResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, String(value));
  }
  const body = answer.body instanceof MeteredBody ? answer.body.toWebStream() : answer.body;
  return new Response(body as BodyInit | null, { status: answer.status, headers });
}

/** Adapts a Next route handler's Request to the gateway pipeline and its answer back to a streamed Response. */
export async function handleGatewayRoute(request: Request): Promise<Response> {
  const headers = headersOf(request);
  const url = new URL(request.url);
  let path = url.pathname;
  let query = url.search;
  // Without our server in front (plain `next start`, serverless), the platform's X-Forwarded-For is all we have.
  let peerAddress =
    String(headers["x-forwarded-for"] ?? "")
      .split(",")
      .pop()
      ?.trim() ?? "";
  let peerSecure = url.protocol === "https:";
  if (behindGatehouseServer()) {
    peerAddress = String(headers[peerAddressHeader] ?? "");
    peerSecure = headers[peerSecureHeader] === "1";
    // The raw request target, before Next normalised dot segments or a URL object re-encoded the query.
    const raw = String(headers[rawTargetHeader] ?? "");
    const queryStart = raw.indexOf("?");
    path = queryStart < 0 ? raw : raw.slice(0, queryStart);
    query = queryStart < 0 ? "" : raw.slice(queryStart);
  }
  for (const internal of [peerAddressHeader, peerSecureHeader, rawTargetHeader]) delete headers[internal];
  const answer = await gateway().handle({
    method: request.method,
    path,
    query,
    headers,
    body: request.body as AsyncIterable<Uint8Array> | null,
    peerAddress,
    peerSecure,
    canRelayContentEncoding: false,
    signal: request.signal,
  });
  return toResponse(answer);
}
