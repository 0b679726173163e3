import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { RoutableDeployment } from "@/lib/deployments/cache";

const allowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
const allowedHeaders = [
  "Accept",
  "Authorization",
  "Content-Type",
  "Last-Event-ID",
  "MCP-Protocol-Version",
  "Mcp-Session-Id",
  "Mcp-Method",
  "Mcp-Name",
  "X-Gatehouse-Token",
  "X-Request-Id",
].join(", ");
const exposedHeaders = ["Mcp-Session-Id", "MCP-Protocol-Version", "WWW-Authenticate", "X-Request-Id", "Retry-After", "Location"].join(", ");
/** MCP 2026-07-28 names a header per tool parameter (`Mcp-Param-{name}`): no fixed list can hold them. */
const mcpParamHeader = /^mcp-param-[a-z0-9_-]{1,64}$/i;
const preflightMaxAgeSeconds = "600";

export function isPreflight(method: string, headers: IncomingHttpHeaders): boolean {
  return method === "OPTIONS" && typeof headers.origin === "string" && typeof headers["access-control-request-method"] === "string";
}

/**
 * CORS headers for a request from `origin`, or none when the deployment does not allow it.
 * A wildcard is answered as `*` without credentials: browsers refuse `*` with credentials, and
 * reflecting any origin with credentials would let every site act as the signed-in user.
 */
export function corsHeaders(origin: string | undefined, deployment: RoutableDeployment | null): OutgoingHttpHeaders {
  if (!origin || !deployment) return {};
  if (deployment.corsOrigins.has(origin)) {
    return {
      "access-control-allow-origin": origin,
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": exposedHeaders,
      vary: "Origin",
    };
  }
  if (deployment.corsOrigins.has("*")) {
    return { "access-control-allow-origin": "*", "access-control-expose-headers": exposedHeaders };
  }
  return {};
}

/** The answer to a preflight from an allowed origin; null when the origin is not allowed. */
export function preflightHeaders(origin: string | undefined, deployment: RoutableDeployment | null, requested?: string): OutgoingHttpHeaders | null {
  const headers = corsHeaders(origin, deployment);
  if (!headers["access-control-allow-origin"]) return null;
  delete headers["access-control-expose-headers"];
  return {
    ...headers,
    "access-control-allow-methods": allowedMethods,
    "access-control-allow-headers": withMcpParams(requested),
    "access-control-max-age": preflightMaxAgeSeconds,
    vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
  };
}

function withMcpParams(requested: string | undefined): string {
  const params = (requested ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => mcpParamHeader.test(name));
  return params.length ? `${allowedHeaders}, ${params.join(", ")}` : allowedHeaders;
}

/** An answer's headers with CORS added: `Vary` is merged with the deployment's own, never replaced (caches key on both). */
export function withCors(headers: OutgoingHttpHeaders, cors: OutgoingHttpHeaders): OutgoingHttpHeaders {
  if (!cors.vary || !headers.vary) return { ...headers, ...cors };
  const names = [headers.vary, cors.vary]
    .flatMap((value) => String(value).split(","))
    .map((name) => name.trim())
    .filter(Boolean);
  const unique = [...new Map(names.map((name) => [name.toLowerCase(), name])).values()];
  return { ...headers, ...cors, vary: unique.includes("*") ? "*" : unique.join(", ") };
}
