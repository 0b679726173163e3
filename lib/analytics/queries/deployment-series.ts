import { bucketRows, seriesAndTotals } from "@/lib/analytics/rollup-buckets";
import { type TimeRange, windowOf } from "@/lib/analytics/time-ranges";

/** A deployment's charts for a time range: one point per bucket, and the range's totals. */
export async function deploymentSeries(deploymentId: string, range: TimeRange, now = new Date()) {
  const window = windowOf(range, now);
  return { window, ...seriesAndTotals(await bucketRows([deploymentId], window), window) };
}
