import { type TimeRange, windowOf } from "@/lib/analytics/time-ranges";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client.ts";

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

interface RecentRequest {
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
  /** "gateway-path" or "app-origin". */
  via: string;
  /** For an MCP call: its method, what it names, and whether it failed. */
  mcpMethod: string | null;
  mcpName: string | null;
  mcpError: boolean | null;
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
 * The dashboard's only read of RequestLog: everything else comes from the rollups.
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
      via: true,
      mcpMethod: true,
      mcpName: true,
      mcpError: true,
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
