import { config } from "@/lib/config";
import { pendingMigrationsIn } from "@/lib/database/migrations";
import { pool } from "@/lib/db";
import { sharedRedis } from "@/lib/redis/client";
import type { Awaitable } from "@/lib/runtime/awaitable";
import { withDeadline } from "@/lib/runtime/deadline";
import { processSingleton } from "@/lib/runtime/process-singleton";
import { TtlCache } from "@/lib/runtime/ttl-cache";

interface Check {
  ok: boolean;
  detail?: string;
  /** False for what the instance serves without (Redis, when limits fail open): reported, not a reason to leave the load balancer. */
  required?: false;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, Check>;
}

const checkTimeoutMs = 2_000;
/** A flood of readiness probes costs one check a second: the answer is shared for this long. */
const answerLifeMs = 1_000;

async function check(work: () => Promise<string | undefined>): Promise<Check> {
  try {
    const detail = await withDeadline(work(), checkTimeoutMs);
    return detail ? { ok: false, detail } : { ok: true };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Whether this instance can serve: the database reachable (through the pool, never a connection of its
 * own) and migrated; Redis reachable when configured, required only when limits fail closed
 * (GATEWAY_RATE_LIMIT_ON_ERROR=deny): otherwise one Redis outage would take every instance out at once.
 */
async function measure(): Promise<Readiness> {
  const redis = sharedRedis();
  const checks: Readiness["checks"] = {
    database: await check(async () => {
      await pool().query("select 1");
      return undefined;
    }),
    migrations: await check(async () => {
      const pending = await pendingMigrationsIn(pool());
      return pending.length ? `${pending.length} pending: run npm run db:migrate` : undefined;
    }),
  };
  if (redis) {
    const redisCheck = await check(async () => ((await redis.ping()) === "PONG" ? undefined : "unexpected answer to PING"));
    checks.redis = config().GATEWAY_RATE_LIMIT_ON_ERROR === "deny" || redisCheck.ok ? redisCheck : { ...redisCheck, required: false };
  }
  return { ready: Object.values(checks).every((c) => c.ok || c.required === false), checks };
}

const answers = processSingleton("readiness", () => new TtlCache<Readiness>({ max: 1, ttlMs: answerLifeMs, load: measure }));
/** Set once the process is told to stop: it still serves, but asks load balancers to send no more. */
const draining = processSingleton("draining", () => ({ since: 0 }));

export function readiness(): Awaitable<Readiness> {
  if (draining().since) return { ready: false, checks: { draining: { ok: false, detail: "shutting down: finishing requests in flight" } } };
  return answers().get("readiness");
}

/** Fails readiness from now on (SIGTERM), so load balancers stop sending before the listener closes. */
export function startDraining(): void {
  draining().since ||= Date.now();
}
