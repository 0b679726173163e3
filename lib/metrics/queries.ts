import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { latencyBucketCount, percentileFromBuckets } from "@/lib/metrics/latency";

/**
 * The dashboard's reads. Charts and breakdowns come from the pre-summed RequestRollup (per minute) and
 * RequestBreakdown (per hour) tables, so a 30-day chart reads 43,200 small rows at most; only the
 * recent-requests table touches RequestLog, one page at a time through its (deploymentId, at) index.
 */

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;

export const timeRanges = {
  "1h": { label: "1 hour", spanMs: hourMs, bucketMs: minuteMs },
  "24h": { label: "24 hours", spanMs: 24 * hourMs, bucketMs: 15 * minuteMs },
  "7d": { label: "7 days", spanMs: 7 * 24 * hourMs, bucketMs: hourMs },
  "30d": { label: "30 days", spanMs: 30 * 24 * hourMs, bucketMs: 6 * hourMs },
} as const;
export type TimeRange = keyof typeof timeRanges;

export interface Window {
  /** Inclusive. */
  start: Date;
  /** Exclusive: the end of the bucket that holds `now`, so the newest bucket is the one filling up. */
  end: Date;
  bucketMs: number;
}

/** Buckets are aligned to the epoch (every size divides a UTC day), so a refresh never shifts them. */
function alignedWindow(spanMs: number, bucketMs: number, now: Date): Window {
  const end = Math.floor(now.getTime() / bucketMs) * bucketMs + bucketMs;
  return { start: new Date(end - spanMs), end: new Date(end), bucketMs };
}

export function windowOf(range: TimeRange, now = new Date()): Window {
  return alignedWindow(timeRanges[range].spanMs, timeRanges[range].bucketMs, now);
}

export interface SeriesPoint {
  /** Start of the bucket, epoch milliseconds. */
  at: number;
  requests: number;
  status1xx: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  rateLimited: number;
  /** 5xx / requests, 0..1; null for a bucket without requests. */
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  bytesIn: number;
  bytesOut: number;
}

export interface Totals {
  requests: number;
  status5xx: number;
  rateLimited: number;
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  meanMs: number | null;
  bytesIn: number;
  bytesOut: number;
}

interface BucketRow {
  deploymentId: string;
  bucket: bigint;
  requests: bigint;
  status1xx: bigint;
  status2xx: bigint;
  status3xx: bigint;
  status4xx: bigint;
  status5xx: bigint;
  rateLimited: bigint;
  durationMsSum: bigint;
  bytesIn: bigint;
  bytesOut: bigint;
  latency: (bigint | null)[];
}

/**
 * Element-wise sum of the latency histograms: one aggregate per bucket index over a single scan. On 30 days
 * of minutes this took about 40 ms where `unnest(...) with ordinality` took 900 ms. Histograms written before
 * bounds were appended are shorter; their missing entries read as NULL and sum as nothing.
 */
const latencySums = Prisma.raw(
  `array[${Array.from({ length: latencyBucketCount }, (_, index) => `coalesce(sum(r."latencyBuckets"[${index + 1}]), 0)::bigint`).join(", ")}]`,
);

/** Rollups of `deploymentIds` in the window, summed per deployment and per bucket of `bucketMs`. */
async function bucketRows(deploymentIds: string[], window: Window): Promise<BucketRow[]> {
  if (deploymentIds.length === 0) return [];
  const bucketSeconds = window.bucketMs / 1000;
  return db().$queryRaw<BucketRow[]>`
    select r."deploymentId",
      floor(extract(epoch from r."minute") / ${bucketSeconds}::int)::bigint as bucket,
      sum(r."requests")::bigint as requests,
      sum(r."status1xx")::bigint as "status1xx",
      sum(r."status2xx")::bigint as "status2xx",
      sum(r."status3xx")::bigint as "status3xx",
      sum(r."status4xx")::bigint as "status4xx",
      sum(r."status5xx")::bigint as "status5xx",
      sum(r."rateLimited")::bigint as "rateLimited",
      sum(r."durationMsSum")::bigint as "durationMsSum",
      sum(r."bytesIn")::bigint as "bytesIn",
      sum(r."bytesOut")::bigint as "bytesOut",
      ${latencySums} as latency
    from "RequestRollup" r
    where r."deploymentId" in (${Prisma.join(deploymentIds)})
      and r."minute" >= ${window.start}::timestamp and r."minute" < ${window.end}::timestamp
    group by 1, 2`;
}

function emptyPoint(at: number): SeriesPoint {
  return {
    at,
    requests: 0,
    status1xx: 0,
    status2xx: 0,
    status3xx: 0,
    status4xx: 0,
    status5xx: 0,
    rateLimited: 0,
    errorRate: null,
    p50: null,
    p95: null,
    p99: null,
    bytesIn: 0,
    bytesOut: 0,
  };
}

function pointOf(row: BucketRow, bucketMs: number): SeriesPoint & { histogram: number[]; durationMsSum: number } {
  const histogram = row.latency.map(Number);
  const requests = Number(row.requests);
  const status5xx = Number(row.status5xx);
  return {
    at: Number(row.bucket) * bucketMs,
    requests,
    status1xx: Number(row.status1xx),
    status2xx: Number(row.status2xx),
    status3xx: Number(row.status3xx),
    status4xx: Number(row.status4xx),
    status5xx,
    rateLimited: Number(row.rateLimited),
    errorRate: requests ? status5xx / requests : null,
    p50: percentileFromBuckets(histogram, 0.5),
    p95: percentileFromBuckets(histogram, 0.95),
    p99: percentileFromBuckets(histogram, 0.99),
    bytesIn: Number(row.bytesIn),
    bytesOut: Number(row.bytesOut),
    histogram,
    durationMsSum: Number(row.durationMsSum),
  };
}

/** One point per bucket of the window, zeros where nothing was recorded, and the window's totals. */
function seriesAndTotals(rows: BucketRow[], window: Window): { series: SeriesPoint[]; totals: Totals } {
  const byStart = new Map(rows.map((row) => [Number(row.bucket) * window.bucketMs, pointOf(row, window.bucketMs)]));
  const series: SeriesPoint[] = [];
  const histogram = new Array<number>(latencyBucketCount).fill(0);
  const sum = { requests: 0, status5xx: 0, rateLimited: 0, durationMsSum: 0, bytesIn: 0, bytesOut: 0 };
  for (let at = window.start.getTime(); at < window.end.getTime(); at += window.bucketMs) {
    const point = byStart.get(at);
    if (!point) {
      series.push(emptyPoint(at));
      continue;
    }
    const { histogram: bucketHistogram, durationMsSum, ...plain } = point;
    series.push(plain);
    for (const [index, count] of bucketHistogram.entries()) histogram[index] += count;
    sum.requests += point.requests;
    sum.status5xx += point.status5xx;
    sum.rateLimited += point.rateLimited;
    sum.durationMsSum += durationMsSum;
    sum.bytesIn += point.bytesIn;
    sum.bytesOut += point.bytesOut;
  }
  return {
    series,
    totals: {
      requests: sum.requests,
      status5xx: sum.status5xx,
      rateLimited: sum.rateLimited,
      errorRate: sum.requests ? sum.status5xx / sum.requests : null,
      p50: percentileFromBuckets(histogram, 0.5),
      p95: percentileFromBuckets(histogram, 0.95),
      p99: percentileFromBuckets(histogram, 0.99),
      meanMs: sum.requests ? sum.durationMsSum / sum.requests : null,
      bytesIn: sum.bytesIn,
      bytesOut: sum.bytesOut,
    },
  };
}

/** A deployment's charts for a time range: one point per bucket, and the range's totals. */
export async function deploymentSeries(deploymentId: string, range: TimeRange, now = new Date()) {
  const window = windowOf(range, now);
  return { window, ...seriesAndTotals(await bucketRows([deploymentId], window), window) };
}

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

export const breakdownDimensions = { status: "Status codes", path: "Top paths", country: "Countries", agent: "User agents" } as const;
export type BreakdownTableDimension = keyof typeof breakdownDimensions;

export interface BreakdownRow {
  value: string;
  requests: number;
  errors: number;
  /** Share of the dimension's requests in the window, 0..1. */
  share: number;
}

interface BreakdownQueryRow {
  dimension: BreakdownTableDimension;
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
): Promise<Record<BreakdownTableDimension, BreakdownRow[]>> {
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
        and b."dimension" in (${Prisma.join(Object.keys(breakdownDimensions))})
      group by b."dimension", b."value"
    ) ranked
    where rank <= ${top}
    order by dimension, rank`;
  const tables: Record<BreakdownTableDimension, BreakdownRow[]> = { status: [], path: [], country: [], agent: [] };
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

export interface RequestFilters {
  /** A status code ("404") or a class ("5xx"). */
  status?: string;
  pathPrefix?: string;
  method?: string;
}

/** Position in the log for keyset paging: a row's time (epoch ms) and id. */
export interface Cursor {
  at: number;
  id: bigint;
}

export interface RecentRequest {
  id: string;
  at: Date;
  method: string;
  path: string;
  status: number;
  outcome: string;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  country: string | null;
  userAgentFamily: string | null;
  requestId: string;
}

export interface RecentRequestsPage {
  rows: RecentRequest[];
  /** Cursor for the next, older page; undefined on the last page. */
  older?: Cursor;
  /** Cursor for the previous, newer page; undefined on the first page. */
  newer?: Cursor;
}

function statusCondition(status: string | undefined): Prisma.RequestLogWhereInput {
  if (!status) return {};
  if (/^[1-5]xx$/.test(status)) {
    const low = Number(status[0]) * 100;
    return { status: { gte: low, lt: low + 100 } };
  }
  return { status: Number(status) };
}

/**
 * One page of a deployment's requests in the window, newest first, paged by (at, id) so a page costs
 * the same however deep it is. `after` pages towards newer rows; `before` (or neither) towards older.
 */
export async function recentRequests(
  deploymentId: string,
  range: TimeRange,
  filters: RequestFilters,
  page: { before?: Cursor; after?: Cursor } = {},
  pageSize = 25,
  now = new Date(),
): Promise<RecentRequestsPage> {
  const window = windowOf(range, now);
  const where: Prisma.RequestLogWhereInput = {
    deploymentId,
    at: { gte: window.start, lt: window.end },
    ...statusCondition(filters.status),
    ...(filters.pathPrefix ? { path: { startsWith: filters.pathPrefix } } : {}),
    ...(filters.method ? { method: filters.method } : {}),
  };
  const cursor = page.after ?? page.before;
  const towardsNewer = Boolean(page.after);
  // The plain bound on `at` is redundant with the OR, but it is what lets the index seek to the cursor
  // instead of walking from the range's newest row (150 ms for a page 20 days back, in bench/dashboard.ts).
  const beyond: Prisma.RequestLogWhereInput = cursor
    ? towardsNewer
      ? { at: { gte: new Date(cursor.at) }, OR: [{ at: { gt: new Date(cursor.at) } }, { at: new Date(cursor.at), id: { gt: cursor.id } }] }
      : { at: { lte: new Date(cursor.at) }, OR: [{ at: { lt: new Date(cursor.at) } }, { at: new Date(cursor.at), id: { lt: cursor.id } }] }
    : {};
  const order = towardsNewer ? "asc" : "desc";
  const found = await db().requestLog.findMany({
    where: { AND: [where, beyond] },
    orderBy: [{ at: order }, { id: order }],
    take: pageSize + 1,
    select: {
      id: true,
      at: true,
      method: true,
      path: true,
      status: true,
      outcome: true,
      durationMs: true,
      bytesIn: true,
      bytesOut: true,
      country: true,
      userAgentFamily: true,
      requestId: true,
    },
  });
  const hasMore = found.length > pageSize;
  const pageRows = found.slice(0, pageSize);
  if (towardsNewer) pageRows.reverse();
  const rows = pageRows.map((row) => ({ ...row, id: String(row.id), bytesIn: Number(row.bytesIn), bytesOut: Number(row.bytesOut) }));
  const cursorOf = (row: (typeof pageRows)[number] | undefined): Cursor | undefined => (row ? { at: row.at.getTime(), id: row.id } : undefined);
  const first = pageRows[0];
  const last = pageRows[pageRows.length - 1];
  return {
    rows,
    older: towardsNewer || hasMore ? cursorOf(last) : undefined,
    newer: towardsNewer ? (hasMore ? cursorOf(first) : undefined) : cursor ? cursorOf(first) : undefined,
  };
}
