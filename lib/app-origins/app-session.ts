import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import { invalidations } from "@/lib/redis/invalidations";
import { type Awaitable, andThen } from "@/lib/runtime/awaitable";
import { processSingleton } from "@/lib/runtime/process-singleton";
import { TtlCache } from "@/lib/runtime/ttl-cache";

/** The app session cookie: `__Host-` over https, so only that exact origin can ever set or read it. */
const plainCookieName = "gatehouse-app";
const secureCookieName = `__Host-${plainCookieName}`;

/** How long another instance may still accept an app session after its user signed out of the hub. */
const signOutReachMs = 30_000;

interface AppSessionClaims {
  userId: string;
  deploymentId: string;
  /** Epoch ms. */
  issuedAt: number;
  expiresAt: number;
}

const encode = (bytes: Buffer) => bytes.toString("base64url");

/**
 * App sessions: a cookie holding `{user, deployment, issued, expires}` signed with a key derived from
 * NEXTAUTH_SECRET (HMAC-SHA256), checked in process on every request to an app origin. A session names
 * its deployment, so its cookie copied to another deployment's host is refused there; and it is refused
 * once its user signs out of the hub (`appSessionsValidAfter`, read through a cache of `signOutReachMs`).
 */
class AppSessions {
  private readonly key: Buffer;
  private readonly validAfter = new TtlCache<number>({
    max: 10_000,
    ttlMs: signOutReachMs,
    load: (userId) => loadValidAfter(userId),
    staleIfErrorMs: config().GATEWAY_STALE_IF_ERROR_MS,
  });

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync("sha256", secret, "", "Gatehouse app session", 32));
  }

  /** The Set-Cookie header for a new app session on its deployment's origin. */
  cookie(claims: AppSessionClaims, secure: boolean): string {
    const payload = encode(Buffer.from(JSON.stringify([claims.userId, claims.deploymentId, claims.issuedAt, claims.expiresAt])));
    const value = `${payload}.${encode(this.sign(payload))}`;
    const attributes = [`Path=/`, `Expires=${new Date(claims.expiresAt).toUTCString()}`, "HttpOnly", "SameSite=Lax", ...(secure ? ["Secure"] : [])];
    return [`${secure ? secureCookieName : plainCookieName}=${value}`, ...attributes].join("; ");
  }

  /** The user of a valid, unexpired, unrevoked app session for this deployment; else null. */
  userId(cookies: Map<string, string>, deploymentId: string): Awaitable<string | null> {
    const claims = this.claims(cookies.get(secureCookieName) ?? cookies.get(plainCookieName));
    if (!claims || claims.deploymentId !== deploymentId || claims.expiresAt <= Date.now()) return null;
    return andThen(this.validAfter.get(claims.userId), (after) => (claims.issuedAt > after ? claims.userId : null));
  }

  /**
   * Ends every app session of the user issued until now: at once here and on every instance that hears it
   * (lib/redis/invalidations.ts), within `signOutReachMs` on any other.
   */
  async endSessionsOf(userId: string): Promise<void> {
    await db().user.updateMany({ where: { id: userId }, data: { appSessionsValidAfter: new Date() } });
    this.forgetSignOuts(userId);
    await invalidations().announce("app-sessions", userId);
  }

  /** Drops what this instance read of the user's sign-outs, so the next request reads them anew. */
  forgetSignOuts(userId: string): void {
    this.validAfter.delete(userId);
  }

  private sign(payload: string): Buffer {
    return createHmac("sha256", this.key).update(payload).digest();
  }

  private claims(value: string | undefined): AppSessionClaims | null {
    if (!value) return null;
    const dot = value.indexOf(".");
    if (dot < 0) return null;
    const payload = value.slice(0, dot);
    const signature = Buffer.from(value.slice(dot + 1), "base64url");
    const expected = this.sign(payload);
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return null;
    try {
      const [userId, deploymentId, issuedAt, expiresAt] = JSON.parse(Buffer.from(payload, "base64url").toString());
      return { userId, deploymentId, issuedAt, expiresAt };
    } catch {
      return null;
    }
  }
}

/** Sessions issued at or before this epoch ms are refused; a user who no longer exists has none. */
async function loadValidAfter(userId: string): Promise<number> {
  const user = await db().user.findUnique({ where: { id: userId }, select: { appSessionsValidAfter: true } });
  if (!user) return Number.POSITIVE_INFINITY;
  return user.appSessionsValidAfter?.getTime() ?? Number.NEGATIVE_INFINITY;
}

export const appSessions = processSingleton("app-sessions", () => {
  invalidations().listen("app-sessions", (userId) => appSessions().forgetSignOuts(userId));
  return new AppSessions(config().NEXTAUTH_SECRET);
});
