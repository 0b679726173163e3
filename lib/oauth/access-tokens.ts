import { createLocalJWKSet, type JWTPayload, jwtVerify } from "jose";
import { config } from "@/lib/config";
import { pool } from "@/lib/db";
import { hubOrigin, type ResourceTarget, resourceTarget } from "@/lib/oauth/resources";
import { derivedSigningKey } from "@/lib/oauth/signing-key";
import { invalidations } from "@/lib/redis/invalidations";
import { type Awaitable, andThen } from "@/lib/runtime/awaitable";
import { processSingleton } from "@/lib/runtime/process-singleton";
import { TtlCache } from "@/lib/runtime/ttl-cache";

/** What a valid access token lets its bearer do: call one deployment as one user. */
export interface AccessGrant {
  userId: string;
  resource: ResourceTarget;
  grantId: string;
  /** Epoch ms. */
  expiresAt: number;
}

/**
 * How long an instance trusts that a grant still stands: a grant revoked in Connected apps (or by refresh
 * token reuse) stops its access tokens on every instance within this time, at once on the instance that revoked it.
 */
export const grantRecheckMs = 10_000;
const lastUsedEveryMs = 60_000;

const grantIsLive = `select 1 from "OAuthRecord" where "kind" = 'Grant' and "id" = $1 and ("expiresAt" is null or "expiresAt" > $2::timestamp)`;
const markUsed = `
  update "OAuthRecord" set "lastUsedAt" = $2::timestamp
  where "kind" = 'Grant' and "id" = $1 and ("lastUsedAt" is null or "lastUsedAt" < $3::timestamp)`;

/**
 * Verifies the authorization server's JWT access tokens in process (signature, issuer, type, expiry), then
 * that their grant still stands. Both answers are cached, so a client's repeated calls cost no crypto and
 * at most one query per grant every grantRecheckMs.
 */
class AccessTokenVerifier {
  private readonly kid: string;
  private readonly keys: ReturnType<typeof createLocalJWKSet>;
  private readonly verdicts = new TtlCache<AccessGrant | null>({
    max: 10_000,
    ttlMs: 5 * 60_000,
    load: (token) => this.verify(token),
    // A bad token's verdict is not kept: garbage must not push out good tokens.
    ttlOf: (grant) => (grant ? grant.expiresAt - Date.now() : 0),
  });
  private readonly liveGrants = new TtlCache<boolean>({
    max: 10_000,
    ttlMs: grantRecheckMs,
    load: (grantId) => this.isLive(grantId),
    staleIfErrorMs: config().GATEWAY_STALE_IF_ERROR_MS,
  });

  constructor(
    private readonly issuer: string,
    secret: string,
  ) {
    const { d: _private, ...publicKey } = derivedSigningKey(secret);
    this.kid = publicKey.kid;
    this.keys = createLocalJWKSet({ keys: [publicKey] });
  }

  /** Whether a bearer token is one of ours (signed with our key), judged by its header alone: no crypto, no lookup. */
  isOurs(token: string): boolean {
    const dot = token.indexOf(".");
    if (dot < 1 || token.split(".").length !== 3) return false;
    try {
      return JSON.parse(Buffer.from(token.slice(0, dot), "base64url").toString()).kid === this.kid;
    } catch {
      return false;
    }
  }

  /** The token's grant, or null when it is forged, expired, or its grant was revoked. At once when seen lately. */
  grant(token: string): Awaitable<AccessGrant | null> {
    return andThen(this.verdicts.get(token), (grant) => (grant ? andThen(this.liveGrants.get(grant.grantId), (live) => (live ? grant : null)) : null));
  }

  /** Stops a revoked grant's access tokens at once here and on every instance that hears it (lib/redis/invalidations.ts). */
  forgetGrant(grantId: string): Promise<void> {
    this.forgetLocally(grantId);
    return invalidations().announce("oauth-grant", grantId);
  }

  forgetLocally(grantId: string): void {
    this.liveGrants.delete(grantId);
  }

  private async verify(token: string): Promise<AccessGrant | null> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, { issuer: this.issuer, typ: "at+jwt", algorithms: ["ES256"] }));
    } catch {
      return null;
    }
    const audience = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const resource = audience.length === 1 && typeof audience[0] === "string" ? resourceTarget(audience[0]) : null;
    if (!resource || typeof payload.sub !== "string" || typeof payload.gid !== "string" || typeof payload.exp !== "number") return null;
    return { userId: payload.sub, resource, grantId: payload.gid, expiresAt: payload.exp * 1000 };
  }

  private async isLive(grantId: string): Promise<boolean> {
    const now = Date.now();
    const { rowCount } = await pool().query(grantIsLive, [grantId, new Date(now).toISOString()]);
    // Off the request path, and at most once a minute per grant: Connected apps says when, not how often.
    pool()
      .query(markUsed, [grantId, new Date(now).toISOString(), new Date(now - lastUsedEveryMs).toISOString()])
      .catch(() => {});
    return (rowCount ?? 0) > 0;
  }
}

/** The process's verifier, or null when OAuth is off (no GATEHOUSE_PUBLIC_URL). */
export const accessTokens = processSingleton("oauth-access-tokens", (): AccessTokenVerifier | null => {
  const hub = hubOrigin();
  if (!hub) return null;
  invalidations().listen("oauth-grant", (grantId) => accessTokens()?.forgetLocally(grantId));
  return new AccessTokenVerifier(hub, config().NEXTAUTH_SECRET);
});
