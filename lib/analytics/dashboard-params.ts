import { z } from "zod";
import type { Cursor, RequestFilters } from "@/lib/analytics/queries/recent-requests";
import { type TimeRange, timeRanges } from "@/lib/analytics/time-ranges";

/**
 * The deployment page's search params. Anything malformed falls back to its default instead of failing
 * the page: these URLs get shared, bookmarked and edited by hand.
 */

const defaultRange: TimeRange = "24h";
export const filterMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

const first = (value: unknown) => (Array.isArray(value) ? value[0] : value);
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (first(value) === "" ? undefined : first(value)), schema.optional()).catch(undefined);

const cursor = z
  .string()
  .regex(/^\d{1,15}_\d{1,19}$/)
  .transform((value): Cursor => {
    const [at, id] = value.split("_");
    return { at: Number(at), id: BigInt(id) };
  });

const paramsSchema = z.object({
  range: z.preprocess(first, z.enum(Object.keys(timeRanges) as [TimeRange, ...TimeRange[]])).catch(defaultRange),
  status: optional(
    z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[1-5](xx|\d\d)$/),
  ),
  path: optional(z.string().trim().max(200).regex(/^\//)),
  method: optional(z.string().trim().toUpperCase().pipe(z.enum(filterMethods))),
  before: optional(cursor),
  after: optional(cursor),
});

export interface DashboardParams {
  range: TimeRange;
  filters: RequestFilters;
  page: { before?: Cursor; after?: Cursor };
}

export function parseDashboardParams(searchParams: Record<string, string | string[] | undefined>): DashboardParams {
  const parsed = paramsSchema.parse(searchParams);
  return {
    range: parsed.range,
    filters: { status: parsed.status, pathPrefix: parsed.path, method: parsed.method },
    // Both at once cannot come from the page's own links: keep the newer-side one.
    page: parsed.after ? { after: parsed.after } : { before: parsed.before },
  };
}

const cursorParam = (cursor: Cursor) => `${cursor.at}_${cursor.id}`;

/** The page's URL with some params changed; paging cursors are dropped unless given, as they belong to one filter. */
export function dashboardHref(
  base: string,
  params: DashboardParams,
  change: { range?: TimeRange; filters?: RequestFilters; before?: Cursor; after?: Cursor },
): string {
  const filters = change.filters ?? params.filters;
  const query = new URLSearchParams();
  const range = change.range ?? params.range;
  if (range !== defaultRange) query.set("range", range);
  if (filters.status) query.set("status", filters.status);
  if (filters.pathPrefix) query.set("path", filters.pathPrefix);
  if (filters.method) query.set("method", filters.method);
  if (change.before) query.set("before", cursorParam(change.before));
  if (change.after) query.set("after", cursorParam(change.after));
  const search = query.toString();
  return search ? `${base}?${search}` : base;
}
