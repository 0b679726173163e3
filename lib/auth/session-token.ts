import { hkdfSync } from "node:crypto";
import { jwtDecrypt } from "jose";
import type { Awaitable } from "@/lib/runtime/awaitable";

/** next-auth v4 cookie names: `__Secure-` when the app is served over https. */
export const sessionCookieNames = ["__Secure-next-auth.session-token", "next-auth.session-token"] as const;

/** Cookies the gateway owns; they never travel to a deployment. */
export const gatewayCookiePattern = /^(__Secure-|__Host-)?next-auth\./;

/**
 * Verifies next-auth session tokens without the full session flow and without a database round trip.
 * next-auth derives the JWE key from the secret on every call; deriving it once keeps that off the hot path.
 */
export class SessionTokenVerifier {
  private readonly key: Uint8Array;
  /**
   * Tokens already decrypted, until they expire (at most a few minutes): decrypting the JWE was a
   * quarter of the fast path's CPU (bench/RESULTS.md), and a browser sends the same cookie every time.
   */
  private readonly verified = new Map<string, { userId: string; until: number }>();

  constructor(secret: string) {
    this.key = new Uint8Array(hkdfSync("sha256", secret, "", "NextAuth.js Generated Encryption Key", 32));
  }

  /**
   * The signed-in user's id, or null when the token is missing, forged, tampered with or expired.
   * A token verified before answers at once, without a promise: this runs on every gateway request.
   */
  userId(token: string | undefined): Awaitable<string | null> {
    if (!token) return null;
    const known = this.verified.get(token);
    if (known && known.until > Date.now()) return known.userId;
    return this.verify(token);
  }

  private async verify(token: string): Promise<string | null> {
    const now = Date.now();
    try {
      const { payload } = await jwtDecrypt(token, this.key, { clockTolerance: 15 });
      if (typeof payload.sub !== "string" || !payload.sub) return null;
      if (this.verified.size >= maxVerified) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { userId: payload.sub, until: Math.min((payload.exp ?? 0) * 1000, now + verifiedTtlMs) });
      return payload.sub;
    } catch {
      return null;
    }
  }
}

const maxVerified = 10_000;
const verifiedTtlMs = 5 * 60_000;

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
