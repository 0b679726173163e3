import { type BreakdownDimension, breakdownDimensions, breakdownValues } from "@/lib/request-log/dimensions";
import { latencyBucket, latencyBucketCount, latencyMs } from "@/lib/request-log/latency";
import type { RequestRow } from "@/lib/request-log/recorder";

/** One deployment's totals for one minute, as added to RequestRollup. */
export interface MinuteTotals {
  deploymentId: string;
  minute: Date;
  requests: number;
  /** Requests by status class: index 0 for 1xx (and anything below 200) … index 4 for 5xx. */
  statusClasses: [number, number, number, number, number];
  rateLimited: number;
  durationMsSum: number;
  latencyBuckets: number[];
  bytesIn: number;
  bytesOut: number;
}

/** One deployment's count of requests for one value of one dimension in one hour. */
export interface HourCount {
  deploymentId: string;
  hour: Date;
  dimension: BreakdownDimension;
  value: string;
  requests: number;
  errors: number;
}

/** One deployment's MCP calls of one method and name in one hour, as added to McpRollup. */
export interface McpHourCalls {
  deploymentId: string;
  hour: Date;
  method: string;
  /** The tool, prompt or resource; "" for methods that name none. */
  name: string;
  calls: number;
  errors: number;
  latencyBuckets: number[];
}

const minuteMs = 60_000;
const hourMs = 3_600_000;

function statusClassIndex(status: number): number {
  return Math.min(4, Math.max(0, Math.floor(status / 100) - 1));
}

/**
 * Sums a batch of request rows into per-minute totals and per-hour breakdown counts, in a stable order
 * (by key), so that concurrent writers lock rows in the same order and cannot deadlock. Rows without a
 * deployment (refused before one was resolved) are in the raw log only.
 */
export function rollUp(rows: readonly RequestRow[]): { minutes: MinuteTotals[]; hours: HourCount[]; mcpCalls: McpHourCalls[] } {
  const minutes = new Map<string, MinuteTotals>();
  const hours = new Map<string, HourCount>();
  const mcpCalls = new Map<string, McpHourCalls>();
  for (const row of rows) {
    if (!row.deploymentId) continue;
    const at = row.at.getTime();
    const minute = at - (at % minuteMs);
    const minuteKey = `${row.deploymentId}\u0000${minute}`;
    let totals = minutes.get(minuteKey);
    if (!totals) {
      totals = {
        deploymentId: row.deploymentId,
        minute: new Date(minute),
        requests: 0,
        statusClasses: [0, 0, 0, 0, 0],
        rateLimited: 0,
        durationMsSum: 0,
        latencyBuckets: new Array(latencyBucketCount).fill(0),
        bytesIn: 0,
        bytesOut: 0,
      };
      minutes.set(minuteKey, totals);
    }
    totals.requests++;
    totals.statusClasses[statusClassIndex(row.status)]++;
    if (row.status === 429 && row.outcome === "rate-limited") totals.rateLimited++;
    const latency = latencyMs(row.status, row.durationMs, row.ttfbMs);
    totals.durationMsSum += latency;
    totals.latencyBuckets[latencyBucket(latency)]++;
    totals.bytesIn += row.bytesIn;
    totals.bytesOut += row.bytesOut;

    const hour = at - (at % hourMs);
    if (row.mcpMethod) {
      const name = row.mcpName ?? "";
      const callKey = `${row.deploymentId}\u0000${hour}\u0000${row.mcpMethod}\u0000${name}`;
      let calls = mcpCalls.get(callKey);
      if (!calls) {
        calls = {
          deploymentId: row.deploymentId,
          hour: new Date(hour),
          method: row.mcpMethod,
          name,
          calls: 0,
          errors: 0,
          latencyBuckets: new Array(latencyBucketCount).fill(0),
        };
        mcpCalls.set(callKey, calls);
      }
      calls.calls++;
      // A call fails when the deployment answers it with a JSON-RPC error or fails outright (a 5xx, no answer).
      if (row.mcpError || row.status >= 500) calls.errors++;
      calls.latencyBuckets[latencyBucket(latency)]++;
    }
    const failed = row.status >= 500 ? 1 : 0;
    const values = breakdownValues(row);
    for (const dimension of breakdownDimensions) {
      const value = values[dimension];
      const hourKey = `${row.deploymentId}\u0000${hour}\u0000${dimension}\u0000${value}`;
      const count = hours.get(hourKey);
      if (count) {
        count.requests++;
        count.errors += failed;
      } else {
        hours.set(hourKey, { deploymentId: row.deploymentId, hour: new Date(hour), dimension, value, requests: 1, errors: failed });
      }
    }
  }
  const byKey = <T>(map: Map<string, T>) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
  return { minutes: byKey(minutes), hours: byKey(hours), mcpCalls: byKey(mcpCalls) };
}
