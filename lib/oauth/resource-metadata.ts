import type { OutgoingHttpHeaders } from "node:http";
import { appHosts } from "@/lib/app-origins/app-hosts";
import { gatewayPrefix } from "@/lib/gateway/path";
import { appResourceMetadataPrefix, gatewayScope, hubOrigin, resourceMetadataWellKnown, resourceTarget } from "@/lib/oauth/resources";

/** Any origin may read a resource's metadata and the challenge leading to it: neither carries anything private. */
export const openCors: OutgoingHttpHeaders = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version",
};
export const openPreflight: OutgoingHttpHeaders = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, HEAD, OPTIONS",
  "access-control-allow-headers": "Authorization, Content-Type, MCP-Protocol-Version",
  "access-control-max-age": "600",
};

/**
 * The older HTTP+SSE transport's client knows the `/sse` URL, not the messages URL it posts to: a challenge
 * on `…/messages` points at the `/sse` resource, whose URL is a prefix of what the client called.
 */
function resourcePath(path: string): string {
  return path.endsWith("/messages") ? `${path.slice(0, -"/messages".length)}/sse` : path;
}

/**
 * The `WWW-Authenticate` of a gateway 401: where the resource's metadata is (on the origin the client
 * called) and the scope to ask for, plus `error="invalid_token"` when a token was sent and refused.
 * Without GATEHOUSE_PUBLIC_URL there is no authorization server to point at.
 */
export function bearerChallenge(appDeploymentId: string | undefined, path: string, invalidToken: boolean): string {
  const hub = hubOrigin();
  const error = invalidToken ? ', error="invalid_token", error_description="The access token is invalid, expired, or for another resource"' : "";
  if (!hub) return `Bearer realm="gatehouse"${error}`;
  const hosts = appHosts();
  const metadata =
    appDeploymentId && hosts
      ? `${hosts.originOf(appDeploymentId)}${appResourceMetadataPrefix}${resourcePath(path)}`
      : `${hub}${resourceMetadataWellKnown}${resourcePath(path)}`;
  return `Bearer resource_metadata="${metadata}", scope="${gatewayScope}"${error}`;
}

/**
 * RFC 9728 metadata for the resource at `path` on the hub, or on the app origin of `appDeploymentId`:
 * `resource` is exactly the URL the client called, its authorization server the hub. Any well-formed
 * deployment URL gets an answer, so the metadata tells nobody whether a deployment exists; the hub's root
 * and other paths are no resource (a hub-wide token does not exist). Null for those.
 */
export function protectedResourceMetadata(path: string, appDeploymentId?: string): Record<string, unknown> | null {
  const hub = hubOrigin();
  if (!hub) return null;
  const hosts = appHosts();
  const origin = appDeploymentId && hosts ? hosts.originOf(appDeploymentId) : hub;
  if (origin === hub && !path.startsWith(gatewayPrefix)) return null;
  const resource = `${origin}${path || "/"}`;
  if (!resourceTarget(resource) || /[?#]/.test(path)) return null;
  return {
    resource,
    authorization_servers: [hub],
    scopes_supported: [gatewayScope],
    bearer_methods_supported: ["header"],
    resource_documentation: `${hub}/`,
  };
}
