import { LRUCache } from "lru-cache";
import type { Rate } from "@/lib/deployments/schema";
import { ThrottledLog } from "@/lib/runtime/log-throttle";

interface Window {
  startedAt: number;
  refusals: number;
}

const floodLog = new ThrottledLog();

/**
 * Bounds the work callers without credentials cause. Each instance counts, per client address, the
 * requests it refused for want of credentials in a fixed window; past the limit the address is turned
 * away (429) before any credential is looked at, until the window ends. In memory on purpose: the
 * point is to spare this instance's database and CPU, and a flood is counted where it lands.
 * Refusals past the limit are counted in Prometheus one by one but are not written to the request log
 * row by row: one log line per minute per instance says how many there were.
 */
export class AnonymousGuard {
  private readonly windows = new LRUCache<string, Window>({ max: 100_000 });

  constructor(private readonly rate: Rate) {}

  /** Whether this address is over its limit: its requests are refused before any work. */
  isFlooding(address: string, now = Date.now()): boolean {
    const window = this.windows.get(address);
    return Boolean(window && now - window.startedAt < this.rate.windowSeconds * 1000 && window.refusals >= this.rate.limit);
  }

  /** Seconds until a flooding address is heard again. */
  retryAfterSeconds(address: string, now = Date.now()): number {
    const window = this.windows.get(address);
    return window ? Math.max(1, Math.ceil((window.startedAt + this.rate.windowSeconds * 1000 - now) / 1000)) : 1;
  }

  /** Counts a request refused for want of credentials. */
  refused(address: string, now = Date.now()): void {
    const window = this.windows.get(address);
    if (!window || now - window.startedAt >= this.rate.windowSeconds * 1000) this.windows.set(address, { startedAt: now, refusals: 1 });
    else window.refusals++;
  }

  /** Notes a request turned away unlogged, and says so in the log at most once a minute (with how many were held back). */
  turnedAway(): void {
    floodLog.warn(() => "turning away requests from addresses over GATEWAY_RATE_LIMIT_ANONYMOUS (not in the request log; counted in the gateway's metrics)");
  }
}
