/**
 * Upper bounds (inclusive, in ms) of the latency histogram stored with each per-minute rollup. Roughly
 * 1.5x apart, so a percentile read back from the counts is within a bucket's width of the truth; the last
 * bucket takes everything slower. Changing the bounds invalidates stored rollups: append, never edit.
 */
export const latencyBucketBoundsMs: readonly number[] = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 20_000, 30_000, 60_000,
];

/**
 * A request's latency, for the rollups and Prometheus alike: its duration, except for a WebSocket,
 * whose duration is its connection's life and whose latency is its time to the 101.
 */
export function latencyMs(status: number, durationMs: number, ttfbMs: number | null | undefined): number {
  return status === 101 ? (ttfbMs ?? durationMs) : durationMs;
}

/** Number of histogram buckets: one per bound plus the overflow bucket. */
export const latencyBucketCount = latencyBucketBoundsMs.length + 1;

export function latencyBucket(durationMs: number): number {
  let low = 0;
  let high = latencyBucketBoundsMs.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (durationMs <= latencyBucketBoundsMs[mid]) high = mid;
    else low = mid + 1;
  }
  return low;
}

/**
 * The q-quantile (0..1) of a histogram, interpolated linearly inside the bucket it falls in; null when
 * the histogram is empty. The overflow bucket reports its lower bound.
 */
export function percentileFromBuckets(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let index = 0; index < counts.length; index++) {
    const count = counts[index];
    if (count === 0) continue;
    if (seen + count >= rank) {
      const lower = index === 0 ? 0 : latencyBucketBoundsMs[index - 1];
      const upper = latencyBucketBoundsMs[index] ?? lower;
      return lower + ((upper - lower) * Math.max(0, rank - seen)) / count;
    }
    seen += count;
  }
  return latencyBucketBoundsMs[latencyBucketBoundsMs.length - 1];
}
