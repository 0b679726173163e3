import { z } from "zod";
import { config } from "@/lib/config";
import { isSameOriginPath } from "@/lib/http/same-origin-path";
import { processSingleton } from "@/lib/runtime/process-singleton";

/** The one path prefix on an app origin that is the gateway's, not the deployment's. */
export const reservedPrefix = "/__gatehouse/";
/** Where a handoff code is redeemed on an app origin. */
export const handoffPath = `${reservedPrefix}handoff`;
/** The hub's end of the handoff: it signs the user in if needed and sends them back with a code. */
const hubHandoffPath = "/app-handoff";

/** A host label a deployment id can be: cuids are lower-case letters and digits. */
const deploymentLabel = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const deploymentLabelSchema = z.string().regex(deploymentLabel, "must be a deployment id");

/** A path (with its query) on an app origin to return to after the handoff. */
export const returnPathSchema = z.string().max(4096).refine(isSameOriginPath, "must be a path on the app's origin");

/**
 * The isolated app origins: `{deploymentId}.{GATEHOUSE_APPS_DOMAIN}` with the scheme and port of
 * GATEHOUSE_PUBLIC_URL. Every deployment gets an origin of its own, so its pages share nothing with the
 * hub's or with another deployment's.
 */
export class AppHosts {
  private readonly suffix: string;
  private readonly scheme: string;
  private readonly port: string;
  readonly hubOrigin: string;

  constructor(
    readonly domain: string,
    hub: URL,
  ) {
    this.suffix = `.${domain}`;
    this.scheme = hub.protocol;
    this.port = hub.port ? `:${hub.port}` : "";
    this.hubOrigin = hub.origin;
  }

  originOf(deploymentId: string): string {
    return `${this.scheme}//${deploymentId}${this.suffix}${this.port}`;
  }

  /**
   * The deployment a Host header names: undefined when the host is not under the apps domain (the hub's,
   * or anything else), "" when it is but names no possible deployment (`apps.example.com` itself, deeper names).
   */
  deploymentIdOf(host: string): string | undefined {
    const name = hostName(host);
    if (name === this.domain) return "";
    if (!name.endsWith(this.suffix)) return undefined;
    const label = name.slice(0, -this.suffix.length);
    return deploymentLabel.test(label) ? label : "";
  }

  /** The hub path (and query) that hands a signed-in user over to `returnPath` on the deployment's origin. */
  handoffPath(deploymentId: string, returnPath: string): string {
    return `${hubHandoffPath}?${new URLSearchParams({ deployment: deploymentId, path: returnPath })}`;
  }

  /** The same as an absolute URL, for links from an app origin. */
  handoffUrl(deploymentId: string, returnPath: string): string {
    return `${this.hubOrigin}${this.handoffPath(deploymentId, returnPath)}`;
  }
}

/** A Host header's name, lower case, without the port or a trailing dot. */
function hostName(host: string): string {
  const withoutPort = host.startsWith("[") ? host : host.replace(/:\d*$/, "");
  return withoutPort.toLowerCase().replace(/\.$/, "");
}

/** The app origins when GATEHOUSE_APPS_DOMAIN is set, else null (every deployment served under the hub's gateway path). */
export const appHosts = processSingleton("app-hosts", (): AppHosts | null => {
  const { GATEHOUSE_APPS_DOMAIN: domain, GATEHOUSE_PUBLIC_URL: publicUrl } = config();
  return domain && publicUrl ? new AppHosts(domain, new URL(publicUrl)) : null;
});

/** A deployment's own origin as a link (`https://{id}.{apps domain}/`), or null when app origins are off. */
export function appUrl(deploymentId: string): string | null {
  const hosts = appHosts();
  return hosts ? `${hosts.originOf(deploymentId)}/` : null;
}
