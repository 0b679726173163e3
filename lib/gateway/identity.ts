import type { IncomingHttpHeaders } from "node:http";
import { apiTokenGrant, type TokenGrant } from "@/lib/api-tokens/lookup";
import { apiTokenPrefix } from "@/lib/api-tokens/tokens";
import { appSessions } from "@/lib/app-origins/app-session";
import { sessionTokenFromCookies, sessionTokens } from "@/lib/auth/session-token";
import { parseCookieHeader } from "@/lib/gateway/cookies";
import type { GatewayTarget } from "@/lib/gateway/path";
import { type AccessGrant, accessTokens } from "@/lib/oauth/access-tokens";
import { namesTarget } from "@/lib/oauth/resources";
import { type Awaitable, andThen } from "@/lib/runtime/awaitable";

/**
 * The credential a caller presented: the hub's session cookie, an app origin's session cookie, an API
 * token, or an OAuth access token from the hub's authorization server.
 */
type Credential = "session" | "app-session" | "api-token" | "access-token";

export interface Identity {
  userId: string;
  credential: Credential;
  /** An API token's scope: the deployments it may call; absent for all of the user's. */
  deployments?: ReadonlySet<string> | null;
}

/** Header through which programs may present an API token when `Authorization` belongs to the deployment. */
const apiTokenHeader = "x-gatehouse-token";

/** A token of Gatehouse's own in a request: it proves who calls and never travels to the deployment. */
interface Bearer {
  kind: "api-token" | "access-token";
  token: string;
}

function classify(token: string): Bearer | undefined {
  if (token.startsWith(apiTokenPrefix)) return { kind: "api-token", token };
  return accessTokens()?.isOurs(token) ? { kind: "access-token", token } : undefined;
}

/**
 * The Gatehouse token a request presents, if any: in the dedicated header, or as `Authorization: Bearer`
 * when it is ours (an API token's prefix, or our signing key's id). Any other bearer token is the deployment's.
 */
function presentedBearer(headers: IncomingHttpHeaders): Bearer | undefined {
  const dedicated = headers[apiTokenHeader];
  if (typeof dedicated === "string" && dedicated) return classify(dedicated) ?? { kind: "api-token", token: dedicated };
  const authorization = headers.authorization;
  const match = authorization && /^Bearer\s+(\S+)$/i.exec(authorization);
  return match ? classify(match[1]) : undefined;
}

/** Whether an Authorization value is a bearer token of Gatehouse's own (it never travels to a deployment). */
export function isGatehouseBearer(authorization: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  return Boolean(match && classify(match[1]));
}

/** Whether the request carried a bearer token at all (ours or not): a refusal then says `invalid_token`. */
export function presentsToken(headers: IncomingHttpHeaders): boolean {
  return Boolean(headers[apiTokenHeader]) || /^Bearer\s/i.test(headers.authorization ?? "");
}

const identityBy = (credential: Credential) => (userId: string | null) => (userId ? { userId, credential } : null);
const byApiToken = (grant: TokenGrant | null): Identity | null =>
  grant && (grant.expiresAt === null || grant.expiresAt > Date.now())
    ? { userId: grant.userId, credential: "api-token", deployments: grant.deployments }
    : null;
const bySession = identityBy("session");
const byAppSession = identityBy("app-session");
/** An access token is good for the one deployment it was minted for: anywhere else it is as bad as a forged one. */
const byAccessToken = (target: GatewayTarget) => (grant: AccessGrant | null) =>
  grant && grant.expiresAt > Date.now() && namesTarget(grant.resource, target) ? { userId: grant.userId, credential: "access-token" as const } : null;

/**
 * Who is calling. A Gatehouse token counts everywhere (an access token only at its own deployment).
 * Otherwise the hub's gateway path takes the hub's session cookie, and an app origin only its own app
 * session: a hub cookie is never accepted there. At once, without a promise, when the credential was seen lately.
 */
export function identify(headers: IncomingHttpHeaders, target: GatewayTarget): Awaitable<Identity | null> {
  const bearer = presentedBearer(headers);
  if (bearer?.kind === "api-token") return andThen(apiTokenGrant(bearer.token), byApiToken);
  if (bearer?.kind === "access-token") return andThen(accessTokens()?.grant(bearer.token) ?? null, byAccessToken(target));
  const cookies = parseCookieHeader(headers.cookie);
  if (target.via === "app-origin") return andThen(appSessions().userId(cookies, target.deploymentId), byAppSession);
  return andThen(sessionTokens().userId(sessionTokenFromCookies(cookies)), bySession);
}
