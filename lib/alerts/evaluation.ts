import { ruleConditionFields, usesThreshold } from "@/lib/alerts/rules";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import type { AlertKind, AlertState } from "@/lib/generated/prisma/client.ts";
import { latencyBucketCount, percentileFromBuckets } from "@/lib/request-log/latency";

/** The columns of a per-minute rollup that rules read. */
export interface RollupSample {
  requests: number;
  status5xx: number;
  rateLimited: number;
  latencyBuckets: number[];
}

/**
 * A windowed rule's value over the rollups of its window: error rate in percent, p95 latency in ms, or
 * requests refused by the rate limit. Null when the window saw no requests, so a rate cannot be told.
 */
export function valueFromRollups(kind: "error_rate" | "latency_p95" | "rate_limited", rollups: readonly RollupSample[]): number | null {
  const requests = rollups.reduce((sum, row) => sum + row.requests, 0);
  if (kind === "rate_limited") return rollups.reduce((sum, row) => sum + row.rateLimited, 0);
  if (requests === 0) return null;
  if (kind === "error_rate") return (100 * rollups.reduce((sum, row) => sum + row.status5xx, 0)) / requests;
  const buckets = new Array<number>(latencyBucketCount).fill(0);
  for (const row of rollups) for (const [index, count] of row.latencyBuckets.entries()) buckets[index] += count;
  return percentileFromBuckets(buckets, 0.95);
}

/**
 * The state a measurement puts a rule in. Threshold kinds fire strictly above the threshold; circuit_open
 * and not_running measure 1 while the condition holds. Without a measurement (no traffic in the window)
 * the rule keeps its state: silence proves neither that an incident ended nor that one began.
 */
export function nextState(kind: AlertKind, threshold: number | null, value: number | null, current: AlertState): AlertState {
  if (value === null) return current;
  const breached = usesThreshold(kind) ? value > (threshold ?? Infinity) : value >= 1;
  return breached ? "firing" : "ok";
}

/** The first minute of a window of `minutes` that ends with the current (partial) minute. */
export function windowStart(now: Date, minutes: number): Date {
  const minute = Math.floor(now.getTime() / 60_000) * 60_000;
  return new Date(minute - (minutes - 1) * 60_000);
}

const round = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/** The notification's text: what crossed which line, in the owner's terms. */
function describe(kind: AlertKind, state: AlertState, value: number | null, threshold: number | null, windowMinutes: number, deploymentName: string): string {
  const over = `over the last ${windowMinutes} min`;
  const firing = state === "firing";
  const v = value === null ? "unknown" : round(value);
  const t = threshold === null ? "" : round(threshold);
  switch (kind) {
    case "error_rate":
      return firing ? `${deploymentName}: error rate ${v} % ${over}, above ${t} %` : `${deploymentName}: error rate back to ${v} % ${over} (threshold ${t} %)`;
    case "latency_p95":
      return firing
        ? `${deploymentName}: p95 latency ${v} ms ${over}, above ${t} ms`
        : `${deploymentName}: p95 latency back to ${v} ms ${over} (threshold ${t} ms)`;
    case "rate_limited":
      return firing
        ? `${deploymentName}: ${v} requests refused by the rate limit ${over}, above ${t}`
        : `${deploymentName}: ${v} requests refused by the rate limit ${over} (threshold ${t})`;
    case "circuit_open":
      return firing ? `${deploymentName}: circuit breaker open, the gateway is refusing requests` : `${deploymentName}: circuit breaker closed again`;
    case "not_running":
      return firing ? `${deploymentName}: deployment is not running` : `${deploymentName}: deployment is running again`;
  }
}

interface ClaimedRule {
  id: string;
  kind: AlertKind;
  threshold: number | null;
  windowMinutes: number;
  webhookUrl: string | null;
  state: AlertState;
  deployment: { id: string; name: string; userId: string; status: string };
}

async function measure(rule: ClaimedRule, now: Date): Promise<number | null> {
  switch (rule.kind) {
    case "not_running":
      return rule.deployment.status === "running" ? 0 : 1;
    case "circuit_open": {
      // Half-open still refuses everyone but the probe: the incident lasts until the breaker closes.
      const latest = await db().deploymentEvent.findFirst({
        where: { deploymentId: rule.deployment.id, kind: "breaker" },
        orderBy: { at: "desc" },
        select: { to: true },
      });
      return latest && latest.to !== "closed" ? 1 : 0;
    }
    default: {
      const rollups = await db().requestRollup.findMany({
        where: { deploymentId: rule.deployment.id, minute: { gte: windowStart(now, rule.windowMinutes) } },
        select: { requests: true, status5xx: true, rateLimited: true, latencyBuckets: true },
      });
      return valueFromRollups(rule.kind, rollups);
    }
  }
}

/**
 * Marks due rules as evaluated now and returns their ids, taking users in turns: every user's most
 * overdue rule before anyone's second, so one user with many rules cannot delay the others. The UPDATE
 * re-checks the due condition under the row lock, so of several instances claiming at once exactly one
 * gets each rule per interval. Timestamps are UTC without zone, as Prisma stores them.
 */
export async function claimDueRules(intervalMs: number, limit = 200): Promise<string[]> {
  const rows = await db().$queryRaw<{ id: string }[]>`
    UPDATE "AlertRule" SET "evaluatedAt" = now() AT TIME ZONE 'UTC'
    WHERE id IN (
      SELECT id FROM (
        SELECT r.id, r."evaluatedAt", row_number() OVER (PARTITION BY d."userId" ORDER BY r."evaluatedAt" ASC NULLS FIRST) AS turn
        FROM "AlertRule" r JOIN "Deployment" d ON d.id = r."deploymentId"
        WHERE r."evaluatedAt" IS NULL OR r."evaluatedAt" <= now() AT TIME ZONE 'UTC' - make_interval(secs => ${intervalMs / 1000}::float8)
      ) due
      ORDER BY turn, "evaluatedAt" ASC NULLS FIRST
      LIMIT ${limit}
    )
    AND ("evaluatedAt" IS NULL OR "evaluatedAt" <= now() AT TIME ZONE 'UTC' - make_interval(secs => ${intervalMs / 1000}::float8))
    RETURNING id`;
  return rows.map((row) => row.id);
}

/** Rules evaluated at once: each is a couple of queries, so a few in flight keep a pass short without crowding the pool. */
const evaluationConcurrency = 8;
const claimSize = 200;

/**
 * Evaluates one rule and, when its state changes, records the transition: one Alert row, marked for
 * webhook delivery when the rule has a URL. Writes are conditional on the state and condition read: a
 * transition is written once even if an evaluation ever overlapped another, and a measurement against a
 * condition the owner has just edited is dropped (the edit makes the rule due again).
 */
async function evaluate(rule: ClaimedRule, now: Date): Promise<AlertState | null> {
  const value = await measure(rule, now);
  const next = nextState(rule.kind, rule.threshold, value, rule.state);
  const unchanged = { id: rule.id, threshold: rule.threshold, windowMinutes: rule.windowMinutes };
  if (next === rule.state) {
    // updateMany: the owner may have deleted or edited the rule meanwhile, which is no failure.
    await db().alertRule.updateMany({ where: unchanged, data: { lastValue: value } });
    return null;
  }
  return db().$transaction(async (tx) => {
    const { count } = await tx.alertRule.updateMany({ where: { ...unchanged, state: rule.state }, data: { state: next, lastValue: value } });
    if (!count) return null;
    await tx.alert.create({
      data: {
        ruleId: rule.id,
        deploymentId: rule.deployment.id,
        userId: rule.deployment.userId,
        state: next,
        value,
        message: describe(rule.kind, next, value, rule.threshold, rule.windowMinutes, rule.deployment.name),
        at: now,
        ...(rule.webhookUrl ? { webhookStatus: "pending", webhookNextAttemptAt: now } : {}),
      },
    });
    return next;
  });
}

/** One evaluation pass: claims and evaluates until no rule is due; returns how many transitions it recorded. */
export async function evaluateDueRules(): Promise<number> {
  let transitions = 0;
  for (;;) {
    const ids = await claimDueRules(config().ALERTS_RULE_INTERVAL_MS, claimSize);
    if (ids.length) transitions += await evaluateRules(ids);
    if (ids.length < claimSize) return transitions;
  }
}

async function evaluateRules(ids: string[]): Promise<number> {
  const rules = await db().alertRule.findMany({
    where: { id: { in: ids } },
    select: {
      ...ruleConditionFields,
      state: true,
      deployment: { select: { id: true, name: true, userId: true, status: true } },
    },
  });
  const now = new Date();
  let transitions = 0;
  // In claim order (users in turns), a bounded number at once.
  const queue = [...rules].sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
  const worker = async () => {
    for (let rule = queue.shift(); rule; rule = queue.shift()) {
      try {
        if (await evaluate(rule, now)) transitions++;
      } catch (error) {
        console.warn(`[gatehouse] alert rule ${rule.id} could not be evaluated: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: evaluationConcurrency }, worker));
  return transitions;
}
