import { hourMs, type TimeRange, windowOf } from "@/lib/analytics/time-ranges";
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { type BreakdownDimension, breakdownDimensions } from "@/lib/request-log/dimensions";

export interface BreakdownRow {
  value: string;
  requests: number;
  errors: number;
  /** Share of the dimension's requests in the window, 0..1. */
  share: number;
}

interface BreakdownQueryRow {
  dimension: BreakdownDimension;
  value: string;
  requests: bigint;
  errors: bigint;
  total: bigint;
}

/**
 * The top values of each breakdown dimension in one query. Breakdowns are hourly, so the window is
 * widened to whole hours: for the 1-hour range they cover the current and the previous clock hour.
 */
export async function deploymentBreakdowns(
  deploymentId: string,
  range: TimeRange,
  now = new Date(),
  top = 10,
): Promise<Record<BreakdownDimension, BreakdownRow[]>> {
  const window = windowOf(range, now);
  const start = new Date(Math.floor(window.start.getTime() / hourMs) * hourMs);
  const rows = await db().$queryRaw<BreakdownQueryRow[]>`
    select dimension, value, requests, errors, total from (
      select b."dimension" as dimension, b."value" as value,
        sum(b."requests")::bigint as requests,
        sum(b."errors")::bigint as errors,
        (sum(sum(b."requests")) over (partition by b."dimension"))::bigint as total,
        row_number() over (partition by b."dimension" order by sum(b."requests") desc, b."value") as rank
      from "RequestBreakdown" b
      where b."deploymentId" = ${deploymentId}
        and b."hour" >= ${start}::timestamp and b."hour" < ${window.end}::timestamp
        and b."dimension" in (${Prisma.join(breakdownDimensions)})
      group by b."dimension", b."value"
    ) ranked
    where rank <= ${top}
    order by dimension, rank`;
  const tables = {} as Record<BreakdownDimension, BreakdownRow[]>;
  for (const dimension of breakdownDimensions) tables[dimension] = [];
  for (const row of rows) {
    const total = Number(row.total);
    tables[row.dimension].push({
      value: row.value,
      requests: Number(row.requests),
      errors: Number(row.errors),
      share: total ? Number(row.requests) / total : 0,
    });
  }
  return tables;
}
