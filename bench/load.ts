import autocannon from "autocannon";
import { Pool } from "undici";

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

export interface LoadSample {
  /** Successful (2xx) answers per second. */
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers, errors and timeouts: a gateway that refuses fast must not look fast. */
  failures: number;
}

/** The nearest-rank percentile of ascending `sorted`. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

export function summarise(latencies: number[]): { p50: number; p99: number } {
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/**
 * Closed loop, as fast as the target answers: each of `connections` sends its next request when the
 * last one is answered. Gives capacity; its latencies are mostly queueing.
 */
export async function saturate(target: Target, seconds: number, connections: number): Promise<LoadSample> {
  const latencies: number[] = [];
  const run = autocannon({ url: target.url, connections, duration: seconds, headers: target.headers });
  // autocannon's own percentiles come from a whole-millisecond histogram, too coarse for sub-ms differences.
  run.on("response", (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await run;
  return { rps: result["2xx"] / result.duration, ...summarise(latencies), failures: result.non2xx + result.errors + result.timeouts };
}

export interface PacedSample extends LoadSample {
  /** How late the generator sent its most delayed request: large values mean the schedule was not held. */
  maxLagMs: number;
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Open loop at a fixed rate: requests leave on schedule whether or not earlier ones were answered, so a
 * slow answer cannot hold back the next request (no coordinated omission), and at a rate the target
 * sustains, latency is service time rather than queueing. autocannon's `overallRate` is not this: each
 * connection sends its per-second quota back to back at the start of every second.
 */
export async function paced(target: Target, rate: number, seconds: number, connections: number): Promise<PacedSample> {
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections });
  const latencies: number[] = [];
  let failures = 0;
  let maxLagMs = 0;
  const send = async () => {
    const sentAt = performance.now();
    try {
      const response = await pool.request({ path: url.pathname + url.search, method: "GET", headers: target.headers });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) latencies.push(performance.now() - sentAt);
      else failures++;
    } catch {
      failures++;
    }
  };
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const start = performance.now();
  const requests: Promise<void>[] = [];
  for (let sent = 0; sent < total; ) {
    const now = performance.now();
    for (; sent < total && start + sent * intervalMs <= now; sent++) {
      maxLagMs = Math.max(maxLagMs, now - (start + sent * intervalMs));
      requests.push(send());
    }
    await tick(Math.max(0, start + sent * intervalMs - performance.now()));
  }
  await Promise.all(requests);
  const elapsed = (performance.now() - start) / 1000;
  await pool.close();
  return { rps: latencies.length / elapsed, ...summarise(latencies), failures, maxLagMs };
}
