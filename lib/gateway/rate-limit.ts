import type { OutgoingHttpHeaders } from "node:http";
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import type { Config } from "@/lib/config";
import type { RoutableDeployment } from "@/lib/deployments/cache";
import type { Rate } from "@/lib/deployments/schema";
import { LeasedLimiter } from "@/lib/gateway/leased-limiter";
import { type LimitResult, MemorySlidingWindow, MemoryTokenBucket } from "@/lib/gateway/memory-limiter";
import { rateLimited, rateLimiterUnavailable } from "@/lib/http/problems";
import type { Awaitable } from "@/lib/runtime/awaitable";
import { ThrottledLog } from "@/lib/runtime/log-throttle";

export interface RateRule {
  limit: number;
  windowSeconds: number;
  algorithm: "sliding" | "token";
  /** Token bucket only: the bucket's size, the largest burst. */
  burst?: number | null;
}

interface Limiter {
  limit(identifier: string): Awaitable<LimitResult>;
}

/** Counts the limiter's own failures (Redis slow or down), for logs and metrics. */
export const limiterHealth = { failures: 0 };
const unavailableLog = new ThrottledLog();

/**
 * Two limits on every request, per user (all their deployments) and per deployment (all callers).
 * Limiter objects are built once per rule and kept: the leases and refusals that spare Redis a round
 * trip live in them.
 */
export class RateLimiter {
  private readonly limiters = new Map<string, Limiter>();
  /** The same limiters by rule object, so the hot path skips building the key string. */
  private readonly limitersByRule = new WeakMap<RateRule, Limiter>();
  private readonly userRule: RateRule;
  private readonly deploymentRule: RateRule;

  constructor(
    private readonly settings: Pick<
      Config,
      "GATEWAY_RATE_LIMIT_USER" | "GATEWAY_RATE_LIMIT_DEPLOYMENT" | "GATEWAY_RATE_LIMIT_TIMEOUT_MS" | "GATEWAY_RATE_LIMIT_ON_ERROR" | "GATEWAY_RATE_LIMIT_LEASE"
    >,
    private readonly redis: Redis | null,
  ) {
    this.userRule = { ...settings.GATEWAY_RATE_LIMIT_USER, algorithm: "sliding" };
    this.deploymentRule = { ...settings.GATEWAY_RATE_LIMIT_DEPLOYMENT, algorithm: "sliding" };
  }

  /**
   * Passes, returning the RateLimit headers for the answer, or throws a 429 (or 503 when failing closed).
   * Answers from memory or from a lease come at once, without a promise, and cannot fail; Redis may be
   * slow or gone, and then the configured failure policy applies.
   */
  check(userId: string, deployment: RoutableDeployment): Awaitable<OutgoingHttpHeaders> {
    const deploymentRule = deployment.rate ?? this.deploymentRule;
    const user = this.limiter(this.userRule).limit(`user:${userId}`);
    const perDeployment = this.limiter(deploymentRule).limit(`deployment:${deployment.id}`);
    if (user instanceof Promise || perDeployment instanceof Promise) {
      return Promise.all([user, perDeployment]).then(
        ([userResult, deploymentResult]) => this.verdict(deploymentRule, userResult, deploymentResult),
        (error) => this.onLimiterFailure(error),
      );
    }
    return this.verdict(deploymentRule, user, perDeployment);
  }

  /** One limit on one key (a client address, an account) for the hub's own endpoints: throws a 429 past it. */
  async checkKey(rule: Rate, key: string, what: string): Promise<void> {
    let result: LimitResult;
    try {
      result = await this.limiter({ ...rule, algorithm: "sliding" }).limit(key);
    } catch (error) {
      this.onLimiterFailure(error);
      return;
    }
    if (!result.success) throw rateLimited(what, Math.max(1, Math.ceil((result.reset - Date.now()) / 1000)), {});
  }

  private verdict(deploymentRule: RateRule, user: LimitResult, perDeployment: LimitResult): OutgoingHttpHeaders {
    const policies = [
      { name: "user", rule: this.userRule, result: user },
      { name: "deployment", rule: deploymentRule, result: perDeployment },
    ];
    const headers: OutgoingHttpHeaders = {
      "ratelimit-policy": policies.map((p) => `"${p.name}";q=${p.result.limit};w=${p.rule.windowSeconds}`).join(", "),
    };
    const refused = policies.filter((p) => !p.result.success);
    // RateLimit describes the policy closest to refusing: the one a client must respect next.
    const tightest = (refused.length ? refused : policies).reduce((a, b) => (b.result.remaining < a.result.remaining ? b : a));
    const secondsLeft = Math.max(1, Math.ceil((Math.max(...(refused.length ? refused : [tightest]).map((p) => p.result.reset)) - Date.now()) / 1000));
    headers.ratelimit = `"${tightest.name}";r=${tightest.result.remaining};t=${secondsLeft}`;
    if (refused.length) {
      const which = refused.map((p) => (p.name === "user" ? "your account" : "this deployment")).join(" and ");
      throw rateLimited(which, secondsLeft, headers as Record<string, string>);
    }
    return headers;
  }

  private limiter(rule: RateRule): Limiter {
    const known = this.limitersByRule.get(rule);
    if (known) return known;
    // A rule object seen for the first time (a deployment reloaded into the cache) finds its limiter by value.
    const key = `${rule.algorithm}:${rule.limit}/${rule.windowSeconds}s:${rule.burst ?? ""}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = this.build(rule, key);
      this.limiters.set(key, limiter);
    }
    this.limitersByRule.set(rule, limiter);
    return limiter;
  }

  private build(rule: RateRule, key: string): Limiter {
    const windowMs = rule.windowSeconds * 1000;
    const burst = rule.burst ?? rule.limit;
    if (!this.redis) {
      return rule.algorithm === "token" ? new MemoryTokenBucket(rule.limit, windowMs, burst) : new MemorySlidingWindow(rule.limit, windowMs);
    }
    const ratelimit = new Ratelimit({
      redis: this.redis,
      limiter:
        rule.algorithm === "token"
          ? Ratelimit.tokenBucket(rule.limit, `${rule.windowSeconds} s`, burst)
          : Ratelimit.slidingWindow(rule.limit, `${rule.windowSeconds} s`),
      prefix: `gatehouse:rl:${key}`,
      // Our own deadline and failure policy apply; the library's would silently allow.
      timeout: 0,
      analytics: false,
      // The lease keeps refusals until the window resets; the library's cache would also block an
      // identifier after refusing a lease larger than a token bucket holds.
      ephemeralCache: false,
    });
    const largestLease = Math.max(1, Math.floor((Math.min(rule.limit, burst) * this.settings.GATEWAY_RATE_LIMIT_LEASE) / 100));
    return new LeasedLimiter(ratelimit, largestLease, this.settings.GATEWAY_RATE_LIMIT_TIMEOUT_MS);
  }

  private onLimiterFailure(error: unknown): OutgoingHttpHeaders {
    limiterHealth.failures++;
    unavailableLog.warn(() => {
      const policy = this.settings.GATEWAY_RATE_LIMIT_ON_ERROR === "allow" ? "allowing" : "refusing";
      return `rate limiter unavailable (${error instanceof Error ? error.message : String(error)}); ${policy} requests (${limiterHealth.failures} failures so far)`;
    });
    if (this.settings.GATEWAY_RATE_LIMIT_ON_ERROR === "allow") return {};
    throw rateLimiterUnavailable();
  }
}
