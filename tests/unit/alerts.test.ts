import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { nextState, type RollupSample, valueFromRollups, windowStart } from "@/lib/alerts/evaluation";
import { ruleInputSchema } from "@/lib/alerts/rules";
import { webhookSignature } from "@/lib/alerts/webhooks";
import { latencyBucket, latencyBucketCount } from "@/lib/request-log/latency";

function rollup(requests: number, status5xx: number, rateLimited: number, durationsMs: number[] = []): RollupSample {
  const latencyBuckets = new Array<number>(latencyBucketCount).fill(0);
  for (const ms of durationsMs) latencyBuckets[latencyBucket(ms)]++;
  return { requests, status5xx, rateLimited, latencyBuckets };
}

test("the error rate is 5xx over all requests across the window's minutes, in percent", () => {
  assert.equal(valueFromRollups("error_rate", [rollup(10, 5, 0), rollup(30, 5, 0)]), 25);
  assert.equal(valueFromRollups("error_rate", []), null, "no requests: no rate");
});

test("p95 comes from the element-wise sum of the minutes' histograms", () => {
  const fast = rollup(90, 0, 0, new Array(90).fill(4));
  const slow = rollup(10, 0, 0, new Array(10).fill(900));
  const p95 = valueFromRollups("latency_p95", [fast, slow])!;
  assert.ok(p95 > 750 && p95 <= 1_000, `p95 ${p95} lies in the 750-1000 ms bucket`);
  assert.ok(valueFromRollups("latency_p95", [fast])! <= 5);
});

test("rate-limited requests are summed, zero without traffic", () => {
  assert.equal(valueFromRollups("rate_limited", [rollup(50, 0, 20), rollup(5, 0, 3)]), 23);
  assert.equal(valueFromRollups("rate_limited", []), 0);
});

test("rules fire strictly above the threshold, resolve at or below it, and keep their state without data", () => {
  assert.equal(nextState("error_rate", 10, 10.5, "ok"), "firing");
  assert.equal(nextState("error_rate", 10, 10, "firing"), "ok");
  assert.equal(nextState("error_rate", 10, null, "firing"), "firing");
  assert.equal(nextState("error_rate", 10, null, "ok"), "ok");
  assert.equal(nextState("not_running", null, 1, "ok"), "firing");
  assert.equal(nextState("circuit_open", null, 0, "firing"), "ok");
});

test("a window of N minutes starts N-1 whole minutes before the current one", () => {
  const now = new Date("2026-11-24T10:07:42.500Z");
  assert.equal(windowStart(now, 1).toISOString(), "2026-11-24T10:07:00.000Z");
  assert.equal(windowStart(now, 5).toISOString(), "2026-11-24T10:03:00.000Z");
});

test("the webhook signature is a hex HMAC-SHA256 of timestamp, dot, body", () => {
  const body = JSON.stringify({ state: "firing" });
  const expected = createHmac("sha256", "s3cret").update(`1700000000.${body}`).digest("hex");
  assert.equal(webhookSignature("s3cret", "1700000000", body), `sha256=${expected}`);
});

test("rule input: thresholds where they mean something, windows of 1 to 1440 minutes, http(s) webhooks", () => {
  assert.ok(ruleInputSchema.safeParse({ kind: "error_rate", threshold: 5, windowMinutes: 10 }).success);
  assert.ok(ruleInputSchema.safeParse({ kind: "not_running" }).success);
  assert.ok(ruleInputSchema.safeParse({ kind: "circuit_open", webhookUrl: "https://hooks.example.com/x" }).success);
  const failures: [unknown, string][] = [
    [{ kind: "error_rate" }, "threshold"],
    [{ kind: "error_rate", threshold: 101 }, "threshold"],
    [{ kind: "latency_p95", threshold: 12.5 }, "threshold"],
    [{ kind: "rate_limited", threshold: -1 }, "threshold"],
    [{ kind: "error_rate", threshold: 5, windowMinutes: 0 }, "windowMinutes"],
    [{ kind: "error_rate", threshold: 5, windowMinutes: 1441 }, "windowMinutes"],
    [{ kind: "not_running", webhookUrl: "ftp://example.com" }, "webhookUrl"],
    [{ kind: "sometimes" }, "kind"],
  ];
  for (const [input, field] of failures) {
    const result = ruleInputSchema.safeParse(input);
    assert.ok(!result.success, JSON.stringify(input));
    assert.ok(
      result.error.issues.some((issue) => issue.path[0] === field),
      `${JSON.stringify(input)} names ${field}`,
    );
  }
});
