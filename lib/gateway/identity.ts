import type { IncomingHttpHeaders } from "node:http";
import { apiTokenGrant, type TokenGrant } from "@/lib/api-tokens/lookup";
import { apiTokenPrefix } from "@/lib/api-tokens/tokens";
import { appSessions } from "@/lib/app-origins/app-session";
import { sessionTokenFromCookies, sessionTokens } from "@/lib/auth/session-token";
import { parseCookieHeader } from "@/lib/gateway/cookies";
import { type Awaitable, andThen } from "@/lib/runtime/awaitable";

/** The credential a caller presented: the hub's session cookie, an app origin's session cookie, or an API token. */
type Credential = "session" | "app-session" | "api-token";

export interface Identity {
  userId: string;
  credential: Credential;
  /** An API token's scope: the deployments it may call; absent for all of the user's. */
  deployments?: ReadonlySet<string> | null;
}

/** Header through which programs may present an API token when `Authorization` belongs to the deployment. */
export const apiTokenHeader = "x-gatehouse-token";

/** The API token a request presents, if any: a bearer token with our prefix, or the dedicated header. */
export function presentedApiToken(headers: IncomingHttpHeaders): string | undefined {
  const dedicated = headers[apiTokenHeader];
  if (typeof dedicated === "string" && dedicated) return dedicated;
  const authorization = headers.authorization;
  const match = authorization && /^Bearer\s+(\S+)$/i.exec(authorization);
  return match?.[1].startsWith(apiTokenPrefix) ? match[1] : undefined;
}

const identityBy = (credential: Credential) => (userId: string | null) => (userId ? { userId, credential } : null);
const byApiToken = (grant: TokenGrant | null): Identity | null =>
  grant && (grant.expiresAt === null || grant.expiresAt > Date.now())
    ? { userId: grant.userId, credential: "api-token", deployments: grant.deployments }
    : null;
const bySession = identityBy("session");
const byAppSession = identityBy("app-session");

/**
 * Who is calling. An API token counts everywhere. Otherwise the hub's gateway path takes the hub's
 * session cookie, and an app origin only its own app session: a hub cookie is never accepted there.
 * At once, without a promise, when the credential was seen lately.
 */
export function identify(headers: IncomingHttpHeaders, appDeploymentId: string | undefined): Awaitable<Identity | null> {
  const token = presentedApiToken(headers);
  if (token) return andThen(apiTokenGrant(token), byApiToken);
  const cookies = parseCookieHeader(headers.cookie);
  if (appDeploymentId !== undefined) return andThen(appSessions().userId(cookies, appDeploymentId), byAppSession);
  return andThen(sessionTokens().userId(sessionTokenFromCookies(cookies)), bySession);
}
