import { LRUCache } from "lru-cache";
import type { Awaitable } from "@/lib/runtime/awaitable";

export interface TtlCacheOptions<V> {
  /** Entries kept; past it the least recently used goes. */
  max: number;
  /** How long an answer is served from memory; 0 turns caching off. */
  ttlMs: number;
  load: (key: string) => Promise<V>;
  /** A shorter life for one answer than ttlMs (a credential that expires sooner), in ms. */
  ttlOf?: (value: V) => number;
}

/**
 * The hot path's one cache: bounded, with a time to live, and concurrent misses sharing one load. A hit
 * answers without a promise; a failed load is not cached; `delete` during a load keeps its answer out.
 */
export class TtlCache<V> {
  // lru-cache stores no null or undefined, so every answer travels in a box.
  private readonly entries: LRUCache<string, { value: V }> | null;

  constructor(private readonly options: TtlCacheOptions<V>) {
    const { max, ttlMs, load, ttlOf } = options;
    this.entries =
      ttlMs > 0
        ? new LRUCache({
            max,
            ttl: ttlMs,
            fetchMethod: async (key, _stale, { options: fetchOptions }) => {
              const value = await load(key);
              if (ttlOf) fetchOptions.ttl = Math.max(1, Math.min(ttlMs, ttlOf(value)));
              return { value };
            },
          })
        : null;
  }

  get(key: string): Awaitable<V> {
    if (!this.entries) return this.options.load(key);
    const hit = this.entries.get(key);
    if (hit) return hit.value;
    const status: LRUCache.Status<string, { value: V }> = {};
    return this.entries.fetch(key, { status }).then(
      (box) => (box as { value: V }).value,
      (error) => {
        // Invalidated while loading: that answer may predate the change, so load again.
        if (status.fetchAborted) return this.get(key);
        throw error;
      },
    );
  }

  delete(key: string): void {
    this.entries?.delete(key);
  }

  clear(): void {
    this.entries?.clear();
  }
}
