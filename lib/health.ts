import { pendingMigrations } from "@/lib/database/migrations";
import { databaseUrl, db } from "@/lib/db";
import { sharedRedis } from "@/lib/redis/client";
import { withDeadline } from "@/lib/runtime/deadline";

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

const checkTimeoutMs = 2_000;

async function check(work: () => Promise<string | undefined>): Promise<{ ok: boolean; detail?: string }> {
  try {
    const detail = await withDeadline(work(), checkTimeoutMs);
    return detail ? { ok: false, detail } : { ok: true };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

/** Whether this instance can serve: database reachable and migrated, Redis reachable when configured. */
export async function readiness(): Promise<Readiness> {
  const redis = sharedRedis();
  const checks: Readiness["checks"] = {
    database: await check(async () => {
      await db().$queryRaw`select 1`;
      return undefined;
    }),
    migrations: await check(async () => {
      const pending = await pendingMigrations(databaseUrl());
      return pending.length ? `${pending.length} pending: run npm run db:migrate` : undefined;
    }),
  };
  if (redis) {
    checks.redis = await check(async () => ((await redis.ping()) === "PONG" ? undefined : "unexpected answer to PING"));
  }
  return { ready: Object.values(checks).every((c) => c.ok), checks };
}
