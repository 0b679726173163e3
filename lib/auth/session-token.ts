import { hkdfSync } from "node:crypto";
import { jwtDecrypt } from "jose";
import { config } from "@/lib/config";
import { type Awaitable, andThen } from "@/lib/runtime/awaitable";
import { processSingleton } from "@/lib/runtime/process-singleton";
import { TtlCache } from "@/lib/runtime/ttl-cache";

/** next-auth v4 cookie names: `__Secure-` when the app is served over https. */
const sessionCookieNames = ["__Secure-next-auth.session-token", "next-auth.session-token"] as const;

/** Cookies the gateway owns (the hub's session, an app origin's session, the authorization server's); they never travel to a deployment. */
export const gatewayCookiePattern = /^(__Secure-|__Host-)?(next-auth\.|gatehouse-app$|gatehouse-oauth\.)/;

export interface Verdict {
  userId: string | null;
  /** When the token expires (ms since the epoch). A bad token's verdict is not kept: garbage must not push out good tokens. */
  expiresAt: number;
}

const toUserId = (verdict: Verdict) => verdict.userId;
const toSession = (verdict: Verdict) => (verdict.userId ? verdict : null);

/**
 * Verifies next-auth session tokens without the full session flow and without a database round trip.
 * next-auth derives the JWE key from the secret on every call; deriving it once keeps that off the hot path.
 */
export class SessionTokenVerifier {
  private readonly key: Uint8Array;
  /**
   * Verdicts on tokens seen lately, for at most five minutes and never past a token's expiry: decrypting
   * the JWE was a quarter of the fast path's CPU (bench/RESULTS.md), and a browser sends the same cookie every time.
   */
  private readonly verdicts = new TtlCache<Verdict>({
    max: 10_000,
    ttlMs: 5 * 60_000,
    load: (token) => this.verify(token),
    ttlOf: (verdict) => verdict.expiresAt - Date.now(),
  });

  constructor(secret: string) {
    this.key = new Uint8Array(hkdfSync("sha256", secret, "", "NextAuth.js Generated Encryption Key", 32));
  }

  /**
   * The signed-in user's id, or null when the token is missing, forged, tampered with or expired.
   * A token verified before answers at once, without a promise: this runs on every gateway request.
   */
  userId(token: string | undefined): Awaitable<string | null> {
    if (!token) return null;
    return andThen(this.verdicts.get(token), toUserId);
  }

  /** The signed-in user and when their session ends (for what may last no longer), or null. */
  session(token: string | undefined): Awaitable<Verdict | null> {
    if (!token) return null;
    return andThen(this.verdicts.get(token), toSession);
  }

  private async verify(token: string): Promise<Verdict> {
    try {
      const { payload } = await jwtDecrypt(token, this.key, { clockTolerance: 15 });
      if (typeof payload.sub !== "string" || !payload.sub) return { userId: null, expiresAt: Number.NEGATIVE_INFINITY };
      return { userId: payload.sub, expiresAt: (payload.exp ?? 0) * 1000 };
    } catch {
      return { userId: null, expiresAt: Number.NEGATIVE_INFINITY };
    }
  }
}

/** Reads the session token from a Cookie header, joining the chunks next-auth writes for large tokens. */
export function sessionTokenFromCookies(cookies: Map<string, string>): string | undefined {
  for (const name of sessionCookieNames) {
    const whole = cookies.get(name);
    if (whole) return whole;
    const chunks: string[] = [];
    for (let i = 0; cookies.has(`${name}.${i}`); i++) chunks.push(cookies.get(`${name}.${i}`)!);
    if (chunks.length) return chunks.join("");
  }
  return undefined;
}

/** The process's verifier: the gateway and the hub's handoff share its key and its verdicts. */
export const sessionTokens = processSingleton("session-tokens", () => new SessionTokenVerifier(config().NEXTAUTH_SECRET));
