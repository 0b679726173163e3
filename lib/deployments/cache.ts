import { config } from "@/lib/config";
import { db } from "@/lib/db";
import type { DeploymentStatusName } from "@/lib/deployments/schema";
import type { RateRule } from "@/lib/gateway/rate-limit";
import { invalidations } from "@/lib/redis/invalidations";
import type { Awaitable } from "@/lib/runtime/awaitable";
import { processSingleton } from "@/lib/runtime/process-singleton";
import { TtlCache } from "@/lib/runtime/ttl-cache";

/** What the gateway needs to know about a deployment on every request. */
export interface RoutableDeployment {
  id: string;
  userId: string;
  name: string;
  target: URL;
  status: DeploymentStatusName;
  corsOrigins: ReadonlySet<string>;
  /** The deployment's own rate limit, or null for the configured default. */
  rate: RateRule | null;
}

/** The columns routing reads; the deployments service selects these and its own. */
export const routingFields = {
  id: true,
  userId: true,
  name: true,
  target: true,
  status: true,
  corsOrigins: true,
  rateLimit: true,
  rateLimitWindowSeconds: true,
  rateLimitAlgorithm: true,
  rateLimitBurst: true,
} as const;

async function load(id: string): Promise<RoutableDeployment | null> {
  const row = await db().deployment.findUnique({
    where: { id },
    select: routingFields,
  });
  if (!row) return null;
  const { rateLimit, rateLimitWindowSeconds, rateLimitAlgorithm, rateLimitBurst, ...rest } = row;
  return {
    ...rest,
    target: new URL(row.target),
    corsOrigins: new Set(row.corsOrigins),
    rate:
      rateLimit && rateLimitWindowSeconds
        ? { limit: rateLimit, windowSeconds: rateLimitWindowSeconds, algorithm: rateLimitAlgorithm, burst: rateLimitBurst }
        : null,
  };
}

/** Deployment ids are cuids: anything outside URL-safe letters, digits, `-` and `_`, or longer, names none. */
const possibleId = /^[A-Za-z0-9_-]{1,64}$/;

/** Built on first use, when the configuration is known. */
const cache = processSingleton("deployment-cache", () => {
  invalidations().listen("deployment", (id) => cache().delete(id));
  return new TtlCache({ max: 10_000, ttlMs: config().GATEWAY_DEPLOYMENT_CACHE_TTL_MS, load, staleIfErrorMs: config().GATEWAY_STALE_IF_ERROR_MS });
});

/**
 * A deployment by id, cached for GATEWAY_DEPLOYMENT_CACHE_TTL_MS. Changes invalidate it at once on every
 * instance that hears them (lib/redis/invalidations.ts), and within the TTL on any other.
 */
export function routableDeployment(id: string): Awaitable<RoutableDeployment | null> {
  // An id no deployment can have costs no lookup: made-up paths and preflights must not reach the database.
  if (!possibleId.test(id)) return null;
  return cache().get(id);
}

export function invalidateDeployment(id: string): Promise<void> {
  cache().delete(id);
  return invalidations().announce("deployment", id);
}
