import { appHosts, reservedPrefix } from "@/lib/app-origins/app-hosts";
import { config } from "@/lib/config";
import { gatewayPrefix } from "@/lib/gateway/path";

/** The one scope a deployment's tokens carry: calling that deployment through the gateway. */
export const gatewayScope = "gateway";

/** Where RFC 9728 says clients look for a resource's metadata, the resource's path appended. */
export const resourceMetadataWellKnown = "/.well-known/oauth-protected-resource";
/** The same metadata on an app origin, under the gateway's reserved prefix so no path of the deployment's is taken. */
export const appResourceMetadataPrefix = `${reservedPrefix}oauth-protected-resource`;

/** The deployment an OAuth resource URL names; userId is null when it is an app origin's URL. */
export interface ResourceTarget {
  userId: string | null;
  deploymentId: string;
}

/** The issuer and the hub's origin: GATEHOUSE_PUBLIC_URL's, never a Host a client sent. Null without it (OAuth off). */
export function hubOrigin(): string | null {
  const publicUrl = config().GATEHOUSE_PUBLIC_URL;
  return publicUrl ? new URL(publicUrl).origin : null;
}

/** A deployment's canonical resource, the audience of its tokens on either origin: its hub gateway URL. */
export function canonicalResource(hub: string, userId: string, deploymentId: string): string {
  return `${hub}${gatewayPrefix}${userId}/${deploymentId}`;
}

const idSegment = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The deployment a resource indicator or token audience names: any URL under a deployment's gateway
 * prefix on the hub, or on its app origin. Null for anything else (the hub itself included).
 */
export function resourceTarget(resource: string): ResourceTarget | null {
  const hub = hubOrigin();
  const url = URL.parse(resource);
  if (!hub || !url || url.hash || url.username || url.password) return null;
  if (url.origin === hub) {
    if (!url.pathname.startsWith(gatewayPrefix)) return null;
    const [userId, deploymentId] = url.pathname.slice(gatewayPrefix.length).split("/");
    return idSegment.test(userId ?? "") && idSegment.test(deploymentId ?? "") ? { userId, deploymentId } : null;
  }
  const hosts = appHosts();
  const deploymentId = hosts?.deploymentIdOf(url.host);
  if (!hosts || !deploymentId || hosts.originOf(deploymentId) !== url.origin) return null;
  return { userId: null, deploymentId };
}

/** Whether a resource names the deployment a request reached (its audience checked against the request's target). */
export function namesTarget(resource: ResourceTarget, target: { userId: string | null; deploymentId: string }): boolean {
  return resource.deploymentId === target.deploymentId && (resource.userId === null || target.userId === null || resource.userId === target.userId);
}
