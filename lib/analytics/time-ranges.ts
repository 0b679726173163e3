const minuteMs = 60_000;
export const hourMs = 60 * minuteMs;

/** The dashboard's ranges, each with the bucket size its charts use. */
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
export function alignedWindow(spanMs: number, bucketMs: number, now: Date): Window {
  const end = Math.floor(now.getTime() / bucketMs) * bucketMs + bucketMs;
  return { start: new Date(end - spanMs), end: new Date(end), bucketMs };
}

export function windowOf(range: TimeRange, now = new Date()): Window {
  return alignedWindow(timeRanges[range].spanMs, timeRanges[range].bucketMs, now);
}
