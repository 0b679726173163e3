import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { errors } from "oidc-provider";
import { sessionTokenFromCookies, sessionTokens } from "@/lib/auth/session-token";
import { config } from "@/lib/config";
import { parseCookieHeader } from "@/lib/gateway/cookies";
import type { ClientFacts } from "@/lib/gateway/headers";
import { readCappedBody } from "@/lib/http/capped-body";
import { crossSiteForm, oauthRequestExpired, type Problem, resourceMetadataNotFound } from "@/lib/http/problems";
import { asProblem, renderProblem, renderProblemPage, requestIdFrom } from "@/lib/http/render-problem";
import { consentView, consentViewHeader, decideConsent } from "@/lib/oauth/consent";
import { consentPath, oauthPrefix, oauthProvider } from "@/lib/oauth/provider";
import { countClientIntroduction } from "@/lib/oauth/registration-limit";
import { openCors, openPreflight, protectedResourceMetadata } from "@/lib/oauth/resource-metadata";
import { appResourceMetadataPrefix, resourceMetadataWellKnown } from "@/lib/oauth/resources";

const discoveryPaths = new Set(["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]);
const consentPrefix = `${oauthPrefix}consent/`;
const registrationPath = `${oauthPrefix}register`;

type Route = "provider" | "consent" | "resource-metadata";

const pathOf = (url: string | undefined) => (url ?? "/").split("?")[0];

/** Which part of the authorization server a hub request is for, or null when it is not the authorization server's. */
export function oauthRoute(url: string | undefined): Route | null {
  const path = pathOf(url);
  if (path === resourceMetadataWellKnown || path.startsWith(`${resourceMetadataWellKnown}/`)) return "resource-metadata";
  if (discoveryPaths.has(path)) return "provider";
  if (path.startsWith(consentPrefix)) return "consent";
  if (path.startsWith(oauthPrefix)) return "provider";
  return null;
}

/** Whether an app origin's request is for its protected resource metadata (the gateway's reserved prefix). */
export function isAppResourceMetadata(url: string | undefined): boolean {
  const path = pathOf(url);
  return path === appResourceMetadataPrefix || path.startsWith(`${appResourceMetadataPrefix}/`);
}

function send(response: ServerResponse, rendered: { status: number; headers: Record<string, string | string[]>; body: Buffer }): void {
  response.writeHead(rendered.status, rendered.headers);
  response.end(rendered.body);
}

function sendProblem(response: ServerResponse, request: IncomingMessage, problem: Problem, extra: Record<string, string> = {}): void {
  const rendered = renderProblem(problem, requestIdFrom(request.headers["x-request-id"]));
  send(response, { ...rendered, headers: { ...rendered.headers, ...extra } });
}

/** RFC 9728 metadata: on the hub under the well-known prefix, on an app origin under the reserved one. */
export function serveResourceMetadata(request: IncomingMessage, response: ServerResponse, appDeploymentId?: string): void {
  if (request.method === "OPTIONS") {
    response.writeHead(204, openPreflight);
    response.end();
    return;
  }
  const prefix = appDeploymentId ? appResourceMetadataPrefix : resourceMetadataWellKnown;
  const metadata = protectedResourceMetadata(pathOf(request.url).slice(prefix.length), appDeploymentId);
  if (!metadata || (request.method !== "GET" && request.method !== "HEAD")) {
    sendProblem(response, request, resourceMetadataNotFound(), openCors as Record<string, string>);
    return;
  }
  const body = Buffer.from(JSON.stringify(metadata));
  response.writeHead(200, { ...openCors, "content-type": "application/json", "content-length": String(body.length), "cache-control": "public, max-age=300" });
  response.end(request.method === "HEAD" ? undefined : body);
}

/**
 * The hub's half of OAuth: the provider's endpoints, the consent decision, and the resource metadata.
 * Returns false when Next should render the request: the consent page, whose view this stamps on the request.
 */
export async function serveOAuth(request: IncomingMessage, response: ServerResponse, client: ClientFacts): Promise<boolean> {
  const provider = oauthProvider();
  const route = oauthRoute(request.url);
  if (!provider || !route) return false;
  if (route === "resource-metadata") {
    serveResourceMetadata(request, response);
    return true;
  }
  try {
    if (route === "consent") return await serveConsent(provider, request, response);
    return await serveProvider(provider, request, response, client);
  } catch (error) {
    const expired = error instanceof errors.SessionNotFound;
    const problem = expired ? oauthRequestExpired() : asProblem(error, requestIdFrom(request.headers["x-request-id"]));
    if (!expired && problem.status >= 500) console.error("[gatehouse] authorization server failed", error);
    send(response, renderProblemPage(problem, requestIdFrom(request.headers["x-request-id"]), { href: "/dashboard", label: "Go to your dashboard" }));
    return true;
  }
}

async function serveProvider(provider: Provider, request: IncomingMessage, response: ServerResponse, client: ClientFacts): Promise<boolean> {
  const hub = new URL(config().GATEHOUSE_PUBLIC_URL as string);
  // The provider builds every URL from these: GATEHOUSE_PUBLIC_URL's, never what a client or proxy claims.
  request.headers["x-forwarded-proto"] = hub.protocol.slice(0, -1);
  request.headers["x-forwarded-host"] = hub.host;
  request.headers["x-forwarded-for"] = client.clientAddress;
  if (request.method === "POST" && pathOf(request.url) === registrationPath) {
    const limited = await countClientIntroduction(client.clientAddress).then(
      () => null,
      (error: unknown) => error,
    );
    if (limited) {
      sendProblem(response, request, asProblem(limited, requestIdFrom(request.headers["x-request-id"])));
      return true;
    }
  }
  if (request.method === "POST" || request.method === "PUT") {
    const body = await readCapped(request, response);
    if (!body) return true;
    // The provider takes an already-read body from `req.body` (it can no longer read the stream).
    (request as IncomingMessage & { body?: Buffer }).body = body;
  }
  await provider.callback()(request, response);
  return true;
}

async function serveConsent(provider: Provider, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
  const uid = pathOf(request.url).slice(consentPrefix.length);
  const session = await sessionTokens().session(sessionTokenFromCookies(parseCookieHeader(request.headers.cookie)));
  if (!session?.userId) {
    response.writeHead(303, { location: `/signin?callbackUrl=${encodeURIComponent(consentPath(uid))}`, "cache-control": "no-store" });
    response.end();
    return true;
  }
  if (request.method === "POST") {
    if (!sameOriginForm(request)) {
      sendProblem(response, request, crossSiteForm());
      return true;
    }
    const body = await readCapped(request, response);
    if (!body) return true;
    const form = new URLSearchParams(body.toString());
    await decideConsent(provider, request, response, session.userId, form.get("decision") === "allow");
    return true;
  }
  const view = await consentView(provider, request, response, session.userId);
  request.headers[consentViewHeader] = Buffer.from(JSON.stringify(view)).toString("base64url");
  return false;
}

/** A form post from the hub's own page: browsers send Origin (or at least Sec-Fetch-Site) with every POST. */
function sameOriginForm(request: IncomingMessage): boolean {
  const hub = new URL(config().GATEHOUSE_PUBLIC_URL as string).origin;
  const origin = request.headers.origin;
  if (origin) return origin === hub;
  const site = request.headers["sec-fetch-site"];
  return site === undefined || site === "same-origin";
}

/** A node request's body within the hub's cap; past it, the refusal is answered and the connection closed, the rest unread. */
async function readCapped(request: IncomingMessage, response: ServerResponse): Promise<Buffer | null> {
  try {
    return await readCappedBody(request.iterator({ destroyOnReturn: false }), request.headers["content-length"]);
  } catch (error) {
    sendProblem(response, request, asProblem(error, requestIdFrom(request.headers["x-request-id"])), { connection: "close" });
    return null;
  }
}
