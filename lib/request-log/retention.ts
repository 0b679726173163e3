import type pg from "pg";
import { repeat } from "@/lib/jobs/repeat";

export interface RetentionSettings {
  rawDays: number;
  rollupDays: number;
}

const dayMs = 86_400_000;
// Small enough that each delete holds its locks briefly while the recorder keeps inserting.
const deleteChunk = 5_000;

async function deleteInChunks(pool: pg.Pool, table: string, key: string[], column: string, before: Date): Promise<number> {
  const columns = key.map((name) => `"${name}"`).join(", ");
  let deleted = 0;
  for (;;) {
    const result = await pool.query(
      `delete from "${table}" where (${columns}) in (select ${columns} from "${table}" where "${column}" < $1::timestamp limit ${deleteChunk})`,
      [before.toISOString()],
    );
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < deleteChunk) return deleted;
  }
}

/** Deletes raw request rows past their retention, and rollups, breakdowns and alert notifications past theirs. */
export async function pruneRequestData(
  pool: pg.Pool,
  settings: RetentionSettings,
  now = new Date(),
): Promise<{ raw: number; rollups: number; breakdowns: number; mcpRollups: number; alerts: number }> {
  const rawBefore = new Date(now.getTime() - settings.rawDays * dayMs);
  const rollupsBefore = new Date(now.getTime() - settings.rollupDays * dayMs);
  return {
    raw: await deleteInChunks(pool, "RequestLog", ["id"], "at", rawBefore),
    rollups: await deleteInChunks(pool, "RequestRollup", ["deploymentId", "minute"], "minute", rollupsBefore),
    breakdowns: await deleteInChunks(pool, "RequestBreakdown", ["deploymentId", "hour", "dimension", "value"], "hour", rollupsBefore),
    mcpRollups: await deleteInChunks(pool, "McpRollup", ["deploymentId", "hour", "method", "name"], "hour", rollupsBefore),
    alerts: await deleteInChunks(pool, "Alert", ["id"], "at", rollupsBefore),
  };
}

/**
 * Prunes shortly after start and then every `intervalMs`. Several instances may prune at once: the
 * deletes commute, so the worst case is wasted work. Returns the stop function for shutdown.
 */
export function startRetentionJob(pool: pg.Pool, settings: RetentionSettings, intervalMs: number): () => Promise<void> {
  return repeat(
    "retention",
    intervalMs,
    async () => {
      const deleted = await pruneRequestData(pool, settings);
      if (Object.values(deleted).some(Boolean)) {
        console.log(
          `[gatehouse] retention: deleted ${deleted.raw} request rows, ${deleted.rollups} rollups, ${deleted.breakdowns} breakdown rows, ${deleted.mcpRollups} MCP rollups, ${deleted.alerts} alerts`,
        );
      }
    },
    5_000,
  );
}
