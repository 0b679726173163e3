import type { IncomingHttpHeaders } from "node:http";
import { apiTokenPrefix, userIdForApiToken } from "@/lib/auth/api-tokens";
import { SessionTokenVerifier, sessionTokenFromCookies } from "@/lib/auth/session-token";
import { parseCookieHeader } from "@/lib/gateway/cookies";
import { type Awaitable, andThen } from "@/lib/runtime/awaitable";

export interface Identity {
  userId: string;
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

export class Authenticator {
  private readonly sessions: SessionTokenVerifier;

  constructor(secret: string) {
    this.sessions = new SessionTokenVerifier(secret);
  }

  /** Who is calling, from an API token or the session cookie; null when neither is valid. At once when the token was seen lately. */
  identify(headers: IncomingHttpHeaders): Awaitable<Identity | null> {
    const token = presentedApiToken(headers);
    if (token) return andThen(userIdForApiToken(token), asIdentity);
    return andThen(this.sessions.userId(sessionTokenFromCookies(parseCookieHeader(headers.cookie))), asIdentity);
  }
}

const asIdentity = (userId: string | null): Identity | null => (userId ? { userId } : null);
