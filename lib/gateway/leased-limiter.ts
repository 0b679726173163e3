import type { Ratelimit } from "@upstash/ratelimit";
import type { LimitResult } from "@/lib/gateway/memory-limiter";
import type { Awaitable } from "@/lib/runtime/awaitable";
import { withDeadline } from "@/lib/runtime/deadline";

/** Tokens this instance has taken from Redis for one identifier and not yet handed out. */
interface Lease {
  tokens: number;
  /** What Redis had left for everyone once this lease was taken. */
  remaining: number;
  limit: number;
  /** The lease is spent or void from here on, and a refusal holds until then. */
  reset: number;
  refused: boolean;
}

interface Renewal {
  done: Promise<unknown>;
  /** Tokens of the lease under way not yet promised to a waiting request. */
  unclaimed: number;
}

const maxIdentifiers = 100_000;
/** A lease takes at most an eighth of what Redis has left: near the limit leases shrink, and little is lost. */
const shareOfRemaining = 8;

/**
 * A limit kept in Redis by @upstash/ratelimit, checked without a Redis round trip for most requests.
 *
 * Each instance takes tokens in leases (`limit(id, { rate: n })` counts n requests at once) and admits
 * that many requests locally. Tokens are counted in Redis before they are used, so all instances
 * together never admit more than the limit. A window's first lease is a single token; later ones take
 * at most an eighth of what Redis last reported left, and never more than `largestLease`.
 *
 * What this costs is under-admission, never over-admission:
 * - tokens leased but unused when the window ends are lost (less than one lease per instance and window);
 * - a sliding-window lease that would cross the limit is refused but counted all the same (the library
 *   reports both kinds of refusal alike, so the count cannot safely be handed back);
 * - a lease whose answer misses the deadline may still be counted.
 * With a largest lease of 1 every request asks Redis, as the library alone would. A refusal is kept
 * until the window resets, as the library's own cache of blocked identifiers would.
 */
export class LeasedLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly renewals = new Map<string, Renewal>();

  constructor(
    private readonly ratelimit: Ratelimit,
    private readonly largestLease: number,
    private readonly deadlineMs: number,
  ) {}

  limit(identifier: string): Awaitable<LimitResult> {
    const lease = this.leases.get(identifier);
    const current = lease && Date.now() < lease.reset ? lease : undefined;
    if (current && (current.tokens > 0 || current.refused)) return take(current);
    const renewal = this.renewals.get(identifier);
    if (renewal && renewal.unclaimed > 0) {
      renewal.unclaimed--;
      return renewal.done.then(() => this.limit(identifier));
    }
    // Everything under way is spoken for: this request asks Redis for itself.
    if (renewal) return this.ask(identifier, 1).then(take);
    return this.renew(identifier, current);
  }

  private renew(identifier: string, current: Lease | undefined): Promise<LimitResult> {
    const size = current ? Math.min(this.largestLease, Math.max(1, Math.floor(current.remaining / shareOfRemaining))) : 1;
    const done = this.ask(identifier, size)
      .then((lease) => {
        if (this.leases.size >= maxIdentifiers && !this.leases.has(identifier)) this.leases.clear();
        this.leases.set(identifier, lease);
        return take(lease);
      })
      .finally(() => this.renewals.delete(identifier));
    this.renewals.set(identifier, { done, unclaimed: size - 1 });
    return done;
  }

  /** One lease, within one deadline however many calls it takes. */
  private ask(identifier: string, size: number): Promise<Lease> {
    return withDeadline(this.lease(identifier, size), this.deadlineMs);
  }

  private async lease(identifier: string, size: number): Promise<Lease> {
    let result = await this.ratelimit.limit(identifier, { rate: size });
    // A token bucket refuses a lease larger than what it holds, though a single token may still be there.
    if (!result.success && size > 1) {
      size = 1;
      result = await this.ratelimit.limit(identifier);
    }
    const { limit, remaining, reset } = result;
    return { tokens: result.success ? size : 0, remaining, limit, reset, refused: !result.success };
  }
}

function take(lease: Lease): LimitResult {
  if (lease.tokens === 0) return { success: false, limit: lease.limit, remaining: 0, reset: lease.reset };
  lease.tokens--;
  return { success: true, limit: lease.limit, remaining: lease.remaining + lease.tokens, reset: lease.reset };
}
