import { handoffPath, reservedPrefix } from "@/lib/app-origins/app-hosts";
import { deploymentNotFound, invalidPath, reservedPathNotFound } from "@/lib/http/problems";

export const gatewayPrefix = "/api/gateway/";

/** Which way a request reached its deployment: the hub's gateway path, or the deployment's own origin. */
export type Via = "gateway-path" | "app-origin";

export interface GatewayTarget {
  via: Via;
  /** The user the gateway path names; null on an app origin, which names only the deployment. */
  userId: string | null;
  deploymentId: string;
  /** `/api/gateway/{userId}/{deploymentId}`, without a trailing slash; "" on an app origin. */
  prefix: string;
  /** The path to request from the deployment, still percent-encoded, always starting with `/`. */
  upstreamPath: string;
}

export type ResolvedPath = { redirect: string } | { target: GatewayTarget } | { handoff: string };

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidPath("The path contains malformed percent-encoding.");
  }
}

/**
 * Splits a raw gateway path into its target. Works on the path as received (not Next's decoded
 * segments), and refuses anything that could step outside the deployment's prefix once decoded.
 */
export function resolveGatewayPath(rawPath: string, query: string): ResolvedPath {
  if (!rawPath.startsWith(gatewayPrefix)) throw invalidPath("Gateway paths start with /api/gateway/{userId}/{deploymentId}/.");
  const [userId, deploymentId, ...rest] = rawPath.slice(gatewayPrefix.length).split("/");
  if (!userId || !deploymentId) throw invalidPath("Gateway paths start with /api/gateway/{userId}/{deploymentId}/.");
  const prefix = `${gatewayPrefix}${userId}/${deploymentId}`;
  if (rest.length === 0) return { redirect: `${prefix}/${query}` };
  for (const segment of [userId, deploymentId, ...rest]) {
    const decoded = decodeSegment(segment);
    if (decoded === "." || decoded === "..") throw invalidPath("Dot segments (. and ..) are not allowed in gateway paths.");
    if (decoded.includes("/") || decoded.includes("\\")) throw invalidPath("Encoded slashes and backslashes are not allowed in gateway paths.");
    if (decoded.includes("\0")) throw invalidPath("NUL characters are not allowed in gateway paths.");
  }
  return { target: { via: "gateway-path", userId, deploymentId, prefix, upstreamPath: `/${rest.join("/")}` } };
}

/**
 * On a deployment's own origin the whole path is the deployment's, as received: there is no prefix to
 * step out of. Only the reserved prefix is the gateway's (its handoff; anything else there is a 404).
 */
export function resolveAppPath(deploymentId: string, rawPath: string): ResolvedPath {
  if (!deploymentId) throw deploymentNotFound();
  if (!rawPath.startsWith("/")) throw invalidPath("Request targets on an app origin are paths starting with /.");
  if (rawPath.startsWith(reservedPrefix)) {
    if (rawPath === handoffPath) return { handoff: deploymentId };
    throw reservedPathNotFound();
  }
  return { target: { via: "app-origin", userId: null, deploymentId, prefix: "", upstreamPath: rawPath } };
}
