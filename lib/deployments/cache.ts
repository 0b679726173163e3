import { config } from "@/lib/config";
import { db } from "@/lib/db";
import type { DeploymentStatusName } from "@/lib/deployments/schema";
import type { RateRule } from "@/lib/gateway/rate-limit";
import type { Awaitable } from "@/lib/runtime/awaitable";
import { processSingleton } from "@/lib/runtime/process-singleton";

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

interface Entry {
  /** The query while it runs, then its answer: a request that finds the answer reads it without a promise. */
  value: Awaitable<RoutableDeployment | null>;
  expires: number;
}

const entries = processSingleton("deployment-cache", () => new Map<string, Entry>());
const maxEntries = 10_000;

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

/**
 * A deployment by id, cached for GATEWAY_DEPLOYMENT_CACHE_TTL_MS. Concurrent misses share one query.
 * Changes made through this process invalidate at once; changes from another process show within the TTL.
 */
export function routableDeployment(id: string): Awaitable<RoutableDeployment | null> {
  const now = Date.now();
  const cached = entries.get(id);
  if (cached && cached.expires > now) return cached.value;
  const pending = load(id);
  const entry: Entry = { value: pending, expires: now + config().GATEWAY_DEPLOYMENT_CACHE_TTL_MS };
  if (entries.size >= maxEntries) entries.clear();
  entries.set(id, entry);
  pending.then(
    (deployment) => (entry.value = deployment),
    () => entries.get(id) === entry && entries.delete(id),
  );
  return pending;
}

export function invalidateDeployment(id: string): void {
  entries.delete(id);
}
