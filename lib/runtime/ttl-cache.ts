import { LRUCache } from "lru-cache";
import type { Awaitable } from "@/lib/runtime/awaitable";

export interface TtlCacheOptions<V> {
  /** Answers kept; past it the least recently used goes. */
  max: number;
  /** How long an answer is served from memory; 0 turns caching off. */
  ttlMs: number;
  load: (key: string) => Promise<V>;
  /** A shorter life for one answer than ttlMs, in ms (a credential that expires sooner); 0 or less keeps it out. */
  ttlOf?: (value: V) => number;
  /**
   * When a load fails (the database is down), the last answer loaded within this many ms is served
   * instead, and kept for another ttlMs before the next try; without one the failure is thrown.
   */
  staleIfErrorMs?: number;
}

/** One load in progress, shared by every caller that missed meanwhile. */
interface Flight<V> {
  answer: Promise<V>;
  /** Set when the key was invalidated during the load: its answer may predate the change. */
  stale: boolean;
}

/**
 * The hot path's one cache: bounded, with a time to live, concurrent misses sharing one load. A hit
 * answers without a promise; a failed load is not cached; an invalidation during a load makes every
 * caller of that load wait for a fresh one. Loads in progress live outside the LRU, so a burst of
 * distinct misses cannot evict (and restart) each other. With `staleIfErrorMs`, the last good answers
 * outlive their TTL in a second LRU, for serving while the source is down.
 */
export class TtlCache<V> {
  // lru-cache stores no null or undefined, so every answer travels in a box.
  private readonly answers: LRUCache<string, { value: V }> | null;
  private readonly flights = new Map<string, Flight<V>>();
  private readonly lastGood: LRUCache<string, { value: V; at: number }> | null;

  constructor(private readonly options: TtlCacheOptions<V>) {
    this.answers = options.ttlMs > 0 ? new LRUCache({ max: options.max, ttl: options.ttlMs }) : null;
    this.lastGood = this.answers && options.staleIfErrorMs ? new LRUCache({ max: options.max }) : null;
  }

  get(key: string): Awaitable<V> {
    if (!this.answers) return this.options.load(key);
    const hit = this.answers.get(key);
    if (hit) return hit.value;
    return this.flights.get(key)?.answer ?? this.fly(key);
  }

  delete(key: string): void {
    this.answers?.delete(key);
    this.lastGood?.delete(key);
    this.ground(key);
  }

  clear(): void {
    this.answers?.clear();
    this.lastGood?.clear();
    for (const key of [...this.flights.keys()]) this.ground(key);
  }

  private fly(key: string): Promise<V> {
    const flight = { stale: false } as Flight<V>;
    flight.answer = this.options.load(key).then(
      (value) => {
        if (flight.stale) return this.get(key);
        this.flights.delete(key);
        this.store(key, value);
        return value;
      },
      (error: unknown) => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
        const good = this.lastGood?.get(key);
        if (!flight.stale && good && Date.now() - good.at <= (this.options.staleIfErrorMs ?? 0)) {
          this.answers?.set(key, { value: good.value });
          return good.value;
        }
        throw error;
      },
    );
    this.flights.set(key, flight);
    return flight.answer;
  }

  private store(key: string, value: V): void {
    const { ttlMs, ttlOf } = this.options;
    const ttl = ttlOf ? Math.min(ttlMs, ttlOf(value)) : ttlMs;
    if (ttl > 0) this.answers?.set(key, { value }, { ttl: Math.ceil(ttl) });
    this.lastGood?.set(key, { value, at: Date.now() });
  }

  private ground(key: string): void {
    const flight = this.flights.get(key);
    if (!flight) return;
    flight.stale = true;
    this.flights.delete(key);
  }
}
