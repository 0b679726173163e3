import type { IncomingHttpHeaders } from "node:http";
import { appSessions } from "@/lib/app-origins/app-session";
import { apiTokenPrefix, userIdForApiToken } from "@/lib/auth/api-tokens";
import { sessionTokenFromCookies, sessionTokens } from "@/lib/auth/session-token";
import { parseCookieHeader } from "@/lib/gateway/cookies";
import { type Awaitable, andThen } from "@/lib/runtime/awaitable";

/** The credential a caller presented: the hub's session cookie, an app origin's session cookie, or an API token. */
type Credential = "session" | "app-session" | "api-token";

export interface Identity {
  userId: string;
  credential: Credential;
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
const byApiToken = identityBy("api-token");
const bySession = identityBy("session");
const byAppSession = identityBy("app-session");

/**
 * Who is calling. An API token counts everywhere. Otherwise the hub's gateway path takes the hub's
 * session cookie, and an app origin only its own app session: a hub cookie is never accepted there.
 * At once, without a promise, when the credential was seen lately.
 */
export function identify(headers: IncomingHttpHeaders, appDeploymentId: string | undefined): Awaitable<Identity | null> {
  const token = presentedApiToken(headers);
  if (token) return andThen(userIdForApiToken(token), byApiToken);
  const cookies = parseCookieHeader(headers.cookie);
  if (appDeploymentId !== undefined) return andThen(appSessions().userId(cookies, appDeploymentId), byAppSession);
  return andThen(sessionTokens().userId(sessionTokenFromCookies(cookies)), bySession);
}
