import type { RequestRow } from "@/lib/request-log/recorder";

/**
 * What RequestBreakdown counts each deployment's requests by, per hour. The write path adds a count for
 * every one of these, the dashboard reads back exactly these and shows a table for each, in this order.
 * Adding one is a change here only; rows of a dimension taken off the list (`method`, which nothing read)
 * stay in the table until retention prunes them, and the reads name what they want, so they are ignored.
 */
export const breakdownDimensions = ["status", "path", "country", "agent"] as const;
export type BreakdownDimension = (typeof breakdownDimensions)[number];

/** Stands for a missing country or user agent, so that "unknown" is a row of its own. */
const unknownValue = "unknown";

/** The value a request is counted under in each dimension. */
export function breakdownValues(row: RequestRow): Record<BreakdownDimension, string> {
  return {
    status: String(row.status),
    path: row.path,
    country: row.country ?? unknownValue,
    agent: row.userAgentFamily ?? unknownValue,
  };
}
