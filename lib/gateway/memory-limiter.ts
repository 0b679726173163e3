/**
 * In-memory rate limits for a single instance, with the same semantics as @upstash/ratelimit's
 * sliding window and token bucket (which need Redis). Counters live in this process only.
 */
export interface LimitResult {
  success: boolean;
  limit: number;
  remaining: number;
  /** When the limit resets, in ms since the epoch. */
  reset: number;
}

const maxKeys = 100_000;

export class MemorySlidingWindow {
  private readonly windows = new Map<string, { start: number; current: number; previous: number }>();

  constructor(
    private readonly tokens: number,
    private readonly windowMs: number,
  ) {}

  limit(identifier: string): LimitResult {
    const now = Date.now();
    const start = now - (now % this.windowMs);
    let entry = this.windows.get(identifier);
    if (!entry || entry.start < start - this.windowMs) entry = { start, current: 0, previous: 0 };
    else if (entry.start < start) entry = { start, current: 0, previous: entry.current };
    if (this.windows.size >= maxKeys && !this.windows.has(identifier)) this.windows.clear();
    this.windows.set(identifier, entry);
    // The previous window counts in proportion to how much of it still overlaps the sliding window.
    const used = Math.floor(entry.previous * (1 - (now - start) / this.windowMs)) + entry.current;
    const reset = start + this.windowMs;
    if (used >= this.tokens) return { success: false, limit: this.tokens, remaining: 0, reset };
    entry.current++;
    return { success: true, limit: this.tokens, remaining: this.tokens - used - 1, reset };
  }
}

export class MemoryTokenBucket {
  private readonly buckets = new Map<string, { tokens: number; refilledAt: number }>();

  constructor(
    private readonly refillRate: number,
    private readonly intervalMs: number,
    private readonly maxTokens: number,
  ) {}

  limit(identifier: string): LimitResult {
    const now = Date.now();
    const bucket = this.buckets.get(identifier) ?? { tokens: this.maxTokens, refilledAt: now };
    const intervals = Math.floor((now - bucket.refilledAt) / this.intervalMs);
    if (intervals > 0) {
      bucket.tokens = Math.min(this.maxTokens, bucket.tokens + intervals * this.refillRate);
      bucket.refilledAt += intervals * this.intervalMs;
    }
    if (this.buckets.size >= maxKeys && !this.buckets.has(identifier)) this.buckets.clear();
    this.buckets.set(identifier, bucket);
    const reset = bucket.refilledAt + this.intervalMs;
    if (bucket.tokens <= 0) return { success: false, limit: this.maxTokens, remaining: 0, reset };
    bucket.tokens--;
    return { success: true, limit: this.maxTokens, remaining: bucket.tokens, reset };
  }
}
