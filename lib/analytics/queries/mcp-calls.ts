import { hourMs, type TimeRange, windowOf } from "@/lib/analytics/time-ranges";
import { db } from "@/lib/db";
import { percentileFromBuckets } from "@/lib/request-log/latency";

/** Calls of one method, or of one tool, prompt or resource, over a range. */
export interface McpCallStats {
  method: string;
  /** The tool, prompt or resource; null in the by-method table. */
  name: string | null;
  calls: number;
  /** Share of calls that failed (a JSON-RPC error, a tool's error, or a 5xx), 0..1. */
  errorRate: number;
  p95Ms: number | null;
}

export interface McpPanel {
  byMethod: McpCallStats[];
  /** `tools/call`, `prompts/get` and `resources/read` by what they name, busiest first. */
  byName: McpCallStats[];
}

interface McpRow {
  method: string;
  name: string;
  calls: number;
  errors: number;
  latencyBuckets: number[];
}

function stats(method: string, name: string | null, rows: McpRow[]): McpCallStats {
  const calls = rows.reduce((sum, row) => sum + row.calls, 0);
  const errors = rows.reduce((sum, row) => sum + row.errors, 0);
  const buckets: number[] = [];
  for (const row of rows) {
    for (const [index, count] of row.latencyBuckets.entries()) buckets[index] = (buckets[index] ?? 0) + count;
  }
  return { method, name, calls, errorRate: calls ? errors / calls : 0, p95Ms: percentileFromBuckets(buckets, 0.95) };
}

const busiestFirst = (a: McpCallStats, b: McpCallStats) => b.calls - a.calls || a.method.localeCompare(b.method) || (a.name ?? "").localeCompare(b.name ?? "");

/**
 * A deployment's MCP calls over a range, from the hourly MCP rollups (widened to whole hours, as the
 * breakdowns are); null when it had none, so the page shows no panel for deployments that are not MCP servers.
 */
export async function mcpCalls(deploymentId: string, range: TimeRange, now = new Date(), top = 20): Promise<McpPanel | null> {
  const window = windowOf(range, now);
  const start = new Date(Math.floor(window.start.getTime() / hourMs) * hourMs);
  const rows: McpRow[] = await db().mcpRollup.findMany({
    where: { deploymentId, hour: { gte: start, lt: window.end } },
    select: { method: true, name: true, calls: true, errors: true, latencyBuckets: true },
  });
  if (rows.length === 0) return null;
  const group = (key: (row: McpRow) => string) => {
    const groups = new Map<string, McpRow[]>();
    for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
    return groups;
  };
  const byMethod = [...group((row) => row.method)].map(([method, grouped]) => stats(method, null, grouped));
  const byName = [...group((row) => (row.name ? `${row.method}\u0000${row.name}` : ""))]
    .filter(([key]) => key !== "")
    .map(([, grouped]) => stats(grouped[0].method, grouped[0].name, grouped));
  return { byMethod: byMethod.sort(busiestFirst), byName: byName.sort(busiestFirst).slice(0, top) };
}
