import { apiTokenPrefix, hashToken } from "@/lib/api-tokens/tokens";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import { invalidations } from "@/lib/redis/invalidations";
import type { Awaitable } from "@/lib/runtime/awaitable";
import { processSingleton } from "@/lib/runtime/process-singleton";
import { TtlCache } from "@/lib/runtime/ttl-cache";

/** What an API token lets its bearer do. */
export interface TokenGrant {
  userId: string;
  /** The deployments it may call, or null for all of its user's. */
  deployments: ReadonlySet<string> | null;
  /** Epoch ms, or null when it does not expire. */
  expiresAt: number | null;
}

/**
 * How long an instance trusts what it read about a token: a revoked token stops working at once on every
 * instance that hears the revocation (lib/redis/invalidations.ts), and on any other within this time.
 */
const tokenRecheckMs = 5_000;
const lastUsedEveryMs = 60_000;

/** Unknown tokens are cached too: a made-up token costs one query per cache life, not one per request. */
const tokenCache = processSingleton("api-token-cache", () => {
  invalidations().listen("api-token", (hash) => tokenCache().delete(hash));
  return new TtlCache({ max: 10_000, ttlMs: tokenRecheckMs, load: grantForHash, staleIfErrorMs: config().GATEWAY_STALE_IF_ERROR_MS });
});

/** An API token's grant (expired or not: the caller compares), or null when unknown or revoked. At once when seen lately. */
export function apiTokenGrant(token: string): Awaitable<TokenGrant | null> {
  if (!token.startsWith(apiTokenPrefix)) return null;
  return tokenCache().get(hashToken(token));
}

/** Drops a token from the caches (after revoking it), so that it stops working at once on every instance that hears it. */
export function forgetApiToken(hash: string): Promise<void> {
  tokenCache().delete(hash);
  return invalidations().announce("api-token", hash);
}

async function grantForHash(hash: string): Promise<TokenGrant | null> {
  const row = await db().apiToken.findUnique({
    where: { tokenHash: hash },
    select: { id: true, userId: true, revokedAt: true, expiresAt: true, deploymentIds: true },
  });
  if (!row || row.revokedAt) return null;
  // Off the request path, and at most once a minute per token: the list says when it was last used, not how often.
  const stale = new Date(Date.now() - lastUsedEveryMs);
  db()
    .apiToken.updateMany({ where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: stale } }] }, data: { lastUsedAt: new Date() } })
    .catch(() => {});
  return { userId: row.userId, deployments: row.deploymentIds.length ? new Set(row.deploymentIds) : null, expiresAt: row.expiresAt?.getTime() ?? null };
}
