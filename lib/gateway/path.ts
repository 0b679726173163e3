import { invalidPath } from "@/lib/http/problems";

export const gatewayPrefix = "/api/gateway/";

export interface GatewayTarget {
  userId: string;
  deploymentId: string;
  /** `/api/gateway/{userId}/{deploymentId}`, without a trailing slash. */
  prefix: string;
  /** The path to request from the deployment, still percent-encoded, always starting with `/`. */
  upstreamPath: string;
}

export type ResolvedPath = { redirect: string } | { target: GatewayTarget };

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
  return { target: { userId, deploymentId, prefix, upstreamPath: `/${rest.join("/")}` } };
}
