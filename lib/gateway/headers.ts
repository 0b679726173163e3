import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { gatewayCookiePattern } from "@/lib/auth/session-token";
import { isGatehouseBearer } from "@/lib/gateway/identity";
import type { GatewayTarget } from "@/lib/gateway/path";

/** The header that tells a deployment which signed-in user made the request. */
const userIdHeader = "x-gatehouse-user-id";

/** RFC 9110 §7.6.1 connection-specific fields, plus the legacy ones proxies still meet. */
const hopByHop = new Set(["connection", "proxy-connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"]);

/** Fields the gateway sets itself, or that would let a client impersonate the gateway. */
const replacedOnTheWayIn = new Set([
  "host",
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-forwarded-port",
  "x-forwarded-prefix",
  "x-real-ip",
  "x-request-id",
  "expect",
  // Credentials for a proxy on the way: the gateway is that proxy, and the deployment is not.
  "proxy-authorization",
]);

function connectionNamed(headers: IncomingHttpHeaders | Record<string, unknown>): Set<string> {
  const value = headers.connection;
  if (typeof value !== "string") return new Set();
  return new Set(
    value
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * The value of a header that each trusted proxy appends to or overwrites (X-Forwarded-Proto, -Host): the
 * one the outermost of `trusted` proxies wrote, never one the client sent before them.
 */
function trustedHopValue(value: string | string[] | undefined, trusted: number): string | undefined {
  const values = (Array.isArray(value) ? value.join(",") : (value ?? ""))
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  return values[Math.max(0, values.length - trusted)];
}

export interface ClientFacts {
  /** The forwarding chain we vouch for, ending with the address that connected to us. */
  forwardedFor: string[];
  clientAddress: string;
  proto: "http" | "https";
  host: string;
}

/**
 * What we know about the client. With no trusted proxies, only the socket counts; with N, the last N
 * hops of X-Forwarded-For (and the proxies' X-Forwarded-Proto/Host) are believed, and nothing before them.
 */
export function clientFacts(headers: IncomingHttpHeaders, peerAddress: string, peerSecure: boolean, trustedProxies: number): ClientFacts {
  if (trustedProxies === 0) {
    return { forwardedFor: [peerAddress], clientAddress: peerAddress, proto: peerSecure ? "https" : "http", host: headers.host ?? "" };
  }
  const inbound = (headers["x-forwarded-for"] ?? "")
    .toString()
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const chain = [...inbound, peerAddress];
  const forwardedFor = chain.slice(Math.max(0, chain.length - 1 - trustedProxies));
  const proto = trustedHopValue(headers["x-forwarded-proto"], trustedProxies);
  return {
    forwardedFor,
    clientAddress: forwardedFor[0],
    proto: proto === "https" || proto === "http" ? proto : peerSecure ? "https" : "http",
    host: trustedHopValue(headers["x-forwarded-host"], trustedProxies) ?? headers.host ?? "",
  };
}

function withoutGatewayCookies(cookieHeader: string): string {
  return cookieHeader
    .split(/;\s*/)
    .filter((pair) => pair && !gatewayCookiePattern.test(pair.slice(0, pair.indexOf("=")).trim()))
    .join("; ");
}

export interface UpstreamRequestContext {
  target: GatewayTarget;
  canRelayContentEncoding: boolean;
  client: ClientFacts;
  requestId: string;
  userId: string;
}

/** The headers a deployment receives: the client's, minus hop-by-hop fields and gateway credentials, plus X-Forwarded-*. */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders, context: UpstreamRequestContext): Record<string, string | string[]> {
  const dropped = connectionNamed(headers);
  // Any Gatehouse token in Authorization stays here, even beside another presented in X-Gatehouse-Token.
  const ownAuthorization = typeof headers.authorization === "string" && isGatehouseBearer(headers.authorization);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopByHop.has(name) || dropped.has(name) || replacedOnTheWayIn.has(name)) continue;
    if (name === "authorization" && ownAuthorization) continue;
    // The gateway's own headers are its to write: a client cannot speak for it.
    if (name.startsWith("x-gatehouse-")) continue;
    if (name === "cookie") {
      const kept = withoutGatewayCookies(String(value));
      if (kept) out.cookie = kept;
      continue;
    }
    out[name] = value;
  }
  if (!context.canRelayContentEncoding) out["accept-encoding"] = "identity";
  out["x-forwarded-for"] = context.client.forwardedFor.join(", ");
  out["x-forwarded-proto"] = context.client.proto;
  if (context.client.host) out["x-forwarded-host"] = context.client.host;
  // On an app origin there is no prefix: the deployment owns the whole origin.
  if (context.target.prefix) out["x-forwarded-prefix"] = context.target.prefix;
  out["x-request-id"] = context.requestId;
  out[userIdHeader] = context.userId;
  return out;
}

/**
 * Answer headers whose reach goes past the deployment's prefix to the whole origin the hub shares with
 * it: a service worker's scope, wiping the origin's storage, the browser's login status, a timed redirect
 * anywhere, HSTS, alternative services, client-hint and reporting policies, origin-keyed agent clusters.
 */
const originWide = new Set([
  "clear-site-data",
  "set-login",
  "refresh",
  "strict-transport-security",
  "alt-svc",
  "accept-ch",
  "critical-ch",
  "nel",
  "report-to",
  "reporting-endpoints",
  "origin-agent-cluster",
  "public-key-pins",
  "public-key-pins-report-only",
  "expect-ct",
]);

/** A path the deployment names, as a path on the hub: the target's base path removed, then inside the prefix. */
function intoPrefix(path: string, target: URL, prefix: string): string {
  const basePath = target.pathname.replace(/\/+$/, "");
  const inside = basePath && (path === basePath || path.startsWith(`${basePath}/`)) ? path.slice(basePath.length) || "/" : path;
  return prefix + inside;
}

/** Maps a Location the deployment sent into the gateway prefix when it points at the deployment itself. */
export function rewriteLocation(location: string, target: URL, prefix: string): string {
  if (location.startsWith("/") && !location.startsWith("//")) return intoPrefix(location, target, prefix);
  let url: URL;
  try {
    url = new URL(location, target);
  } catch {
    return location;
  }
  const isAbsolute = /^[a-z][a-z0-9+.-]*:|^\/\//i.test(location);
  if (!isAbsolute || url.origin !== target.origin) return location;
  return intoPrefix(url.pathname, target, prefix) + url.search + url.hash;
}

/**
 * A service worker's widest scope, mapped into the prefix like a Location: a worker registered from a
 * deployment's page never controls another deployment's paths or the hub's. Anything but a path is dropped.
 */
export function rewriteServiceWorkerAllowed(value: string, target: URL, prefix: string): string | null {
  return value.startsWith("/") && !value.startsWith("//") ? intoPrefix(value, target, prefix) : null;
}

interface CookieAttribute {
  /** Lower case: `path`, `domain`, `secure`, … */
  key: string;
  value: string;
  text: string;
}

/** A Set-Cookie header's name=value pair, name, and non-empty attributes, trimmed. */
function parseSetCookie(setCookie: string): { pair: string; name: string; attributes: CookieAttribute[] } {
  const [pair, ...rest] = setCookie.split(";");
  const attributes = rest
    .map((attribute) => attribute.trim())
    .filter(Boolean)
    .map((text) => {
      const eq = text.indexOf("=");
      return { key: (eq < 0 ? text : text.slice(0, eq)).trim().toLowerCase(), value: eq < 0 ? "" : text.slice(eq + 1).trim(), text };
    });
  return { pair: pair.trim(), name: pair.slice(0, pair.indexOf("=")).trim(), attributes };
}

/**
 * Scopes a deployment's cookie to the gateway prefix and to our host; null drops it. Dropped too:
 * `__Host-` cookies, which browsers accept only with `Path=/`, so on a shared origin they would reach
 * every deployment and the hub (deployments that need them want an apps domain of their own).
 */
export function rewriteSetCookie(setCookie: string, target: URL, prefix: string): string | null {
  const { pair, name, attributes } = parseSetCookie(setCookie);
  if (!name || gatewayCookiePattern.test(name) || /^__Host-/i.test(name)) return null;
  const path = attributes.findLast((attribute) => attribute.key === "path" && attribute.value.startsWith("/"))?.value ?? "/";
  const kept = attributes.filter((attribute) => attribute.key !== "domain" && attribute.key !== "path").map((attribute) => attribute.text);
  return [pair, `Path=${intoPrefix(path, target, prefix)}`, ...kept].join("; ");
}

/**
 * A deployment's cookie on its own app origin: its Path kept (past any base path of the target, as
 * Location is), `Domain` removed so that no deployment sets a cookie on the shared apps domain, and
 * `__Host-`/`__Secure-` cookies kept; only cookies named like the gateway's own are dropped.
 */
function rewriteAppSetCookie(setCookie: string, target: URL): string | null {
  const { pair, name, attributes } = parseSetCookie(setCookie);
  if (!name || gatewayCookiePattern.test(name)) return null;
  const kept = attributes
    .filter((attribute) => attribute.key !== "domain")
    .map((attribute) => (attribute.key === "path" && attribute.value.startsWith("/") ? `Path=${intoPrefix(attribute.value, target, "")}` : attribute.text));
  return [pair, ...kept].join("; ");
}

export interface ClientResponseContext {
  target: URL;
  prefix: string;
  /** On a deployment's own origin, headers that act on the whole origin are the deployment's to send. */
  ownOrigin: boolean;
  requestId: string;
  secure: boolean;
}

/** HSTS for every answer served over https, the hub's and the gateway's. */
export const strictTransportSecurity = "max-age=31536000; includeSubDomains";

/** Headers every gateway answer carries, proxied or not. */
export function securityHeaders(requestId: string, secure: boolean): OutgoingHttpHeaders {
  return {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-request-id": requestId,
    ...(secure ? { "strict-transport-security": strictTransportSecurity } : {}),
  };
}

/**
 * The headers the client receives from a deployment's answer. CORS belongs to the gateway, so the
 * deployment's own access-control headers are dropped; Content-Encoding passes as is (we never decompress).
 */
export function clientResponseHeaders(upstream: IncomingHttpHeaders, context: ClientResponseContext): OutgoingHttpHeaders {
  const dropped = connectionNamed(upstream);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || hopByHop.has(name) || dropped.has(name) || name.startsWith("access-control-")) continue;
    if (!context.ownOrigin && originWide.has(name)) continue;
    if (name === "location") {
      out.location = rewriteLocation(String(value), context.target, context.prefix);
    } else if (name === "service-worker-allowed") {
      const scope = rewriteServiceWorkerAllowed(String(value), context.target, context.prefix);
      if (scope) out[name] = scope;
    } else if (name === "set-cookie") {
      const cookies = (Array.isArray(value) ? value : [value]).map((cookie) =>
        context.ownOrigin ? rewriteAppSetCookie(cookie, context.target) : rewriteSetCookie(cookie, context.target, context.prefix),
      );
      const kept = cookies.filter((cookie): cookie is string => cookie !== null);
      if (kept.length) out["set-cookie"] = kept;
    } else {
      out[name] = value;
    }
  }
  // A deployment may choose a stricter referrer policy; everything else here is the gateway's to say.
  const deploymentReferrerPolicy = out["referrer-policy"];
  Object.assign(out, securityHeaders(context.requestId, context.secure));
  if (deploymentReferrerPolicy) out["referrer-policy"] = deploymentReferrerPolicy;
  if (
    String(out["content-type"] ?? "")
      .toLowerCase()
      .startsWith("text/event-stream")
  ) {
    // Proxies and CDNs in front of us must neither buffer nor compress an event stream.
    const cacheControl = String(out["cache-control"] ?? "no-cache");
    out["cache-control"] = /no-transform/i.test(cacheControl) ? cacheControl : `${cacheControl}, no-transform`;
    out["x-accel-buffering"] = "no";
  }
  return out;
}
