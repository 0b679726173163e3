import { bucketRows, seriesAndTotals, type Totals } from "@/lib/analytics/rollup-buckets";
import { alignedWindow, hourMs } from "@/lib/analytics/time-ranges";

export interface DeploymentOverview {
  totals: Totals;
  /** Requests per hour over the last 24 hours, oldest first. */
  sparkline: number[];
}

/** The last 24 hours of each deployment, for the list of deployments: one query for all of them. */
export async function deploymentsOverview(deploymentIds: string[], now = new Date()): Promise<Map<string, DeploymentOverview>> {
  const window = alignedWindow(24 * hourMs, hourMs, now);
  const rows = await bucketRows(deploymentIds, window);
  return new Map(
    deploymentIds.map((id) => {
      const { series, totals } = seriesAndTotals(
        rows.filter((row) => row.deploymentId === id),
        window,
      );
      return [id, { totals, sparkline: series.map((point) => point.requests) }];
    }),
  );
}
