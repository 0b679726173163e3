import { hkdfSync } from "node:crypto";
import { jwtDecrypt } from "jose";

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

  constructor(secret: string) {
    this.key = new Uint8Array(hkdfSync("sha256", secret, "", "NextAuth.js Generated Encryption Key", 32));
  }

  /** The signed-in user's id, or null when the token is missing, forged, tampered with or expired. */
  async userId(token: string | undefined): Promise<string | null> {
    if (!token) return null;
    try {
      const { payload } = await jwtDecrypt(token, this.key, { clockTolerance: 15 });
      return typeof payload.sub === "string" && payload.sub ? payload.sub : null;
    } catch {
      return null;
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
