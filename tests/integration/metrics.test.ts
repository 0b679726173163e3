import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import { db, pool } from "@/lib/db";
import { pruneRequestData } from "@/lib/request-log/retention";
import { testMetricsToken } from "@/testkit/app";
import { type CallInit, type Harness, harness } from "@/testkit/harness";
import type { TestUpstream } from "@/testkit/upstream";
import { waitFor } from "@/testkit/wait";

let h: Harness<TestUpstream>;
before(async (t) => {
  h = await harness(t, { deployment: { rateLimit: "100000/1m" } });
});

/** The request's row, once the recorder's batch has been written. */
async function rowsFor(requestIdPrefix: string, expected = 1) {
  const find = () => db().requestLog.findMany({ where: { requestId: { startsWith: requestIdPrefix } } });
  let rows: Awaited<ReturnType<typeof find>> = [];
  const enough = async () => {
    rows = await find();
    return rows.length >= expected;
  };
  await waitFor(enough, { timeoutMs: 10_000, intervalMs: 200 });
  return rows;
}

async function send(path: string, init: CallInit = {}) {
  const requestId = `test-${randomUUID()}`;
  const response = await h.call(path, {
    ...init,
    headers: {
      "x-request-id": requestId,
      "user-agent": "curl/8.0",
      "cf-ipcountry": "de",
      ...(init.headers as Record<string, string>),
    },
  });
  await response.arrayBuffer().catch(() => undefined);
  const rows = await rowsFor(requestId);
  assert.equal(rows.length, 1, `exactly one row for ${path}`);
  return { response, row: rows[0] };
}

test("a proxied request is recorded with its fields, bytes both ways and time to first byte", async () => {
  const { row } = await send(`${h.deployment.path}/echo?secret=1`, { method: "POST", body: "x".repeat(1000) });
  assert.equal(row.status, 200);
  assert.equal(row.outcome, "proxied");
  assert.equal(row.method, "POST");
  assert.equal(row.path, "/echo", "no query string");
  assert.equal(row.userId, h.owner.id);
  assert.equal(row.deploymentId, h.deployment.id);
  assert.equal(Number(row.bytesIn), 1000);
  assert.ok(Number(row.bytesOut) > 100);
  assert.ok(row.ttfbMs !== null && row.ttfbMs <= row.durationMs);
  assert.equal(row.country, "DE");
  assert.equal(row.clientAddress, "127.0.0.0/24");
  assert.equal(row.userAgentFamily, "curl");
});

test("refusals, limits, open circuits and upstream errors each leave one row with their outcome", async () => {
  assert.equal((await send(`${h.deployment.path}/`, { cookie: "" })).row.outcome, "refused");
  const unknown = await send(`/api/gateway/${h.owner.id}/nosuch/`);
  assert.deepEqual([unknown.row.status, unknown.row.outcome, unknown.row.deploymentId], [404, "refused", null]);
  // Refused for its status, the owner's request still counts in the deployment's own analytics.
  const stopped = await h.deploy({ status: "stopped" });
  const stoppedRow = (await send(`${stopped.path}/`)).row;
  assert.deepEqual([stoppedRow.status, stoppedRow.outcome, stoppedRow.deploymentId], [503, "refused", stopped.id]);

  const limited = await h.deploy();
  // A token bucket: a sliding window of one straddling a minute boundary would round the second request in.
  await h.patch(limited.id, { rateLimit: "1/1m", rateLimitAlgorithm: "token" });
  await send(`${limited.path}/`);
  assert.deepEqual(((r) => [r.status, r.outcome])((await send(`${limited.path}/`)).row), [429, "rate-limited"]);

  // Back to back: the test apps' circuits probe again after one second.
  const dead = await h.deploy({ target: "http://127.0.0.1:9" });
  const prefix = `dead-${randomUUID()}`;
  for (let i = 0; i < 6; i++) await fetch(`${h.app}${dead.path}/`, { headers: { cookie: h.owner.cookie, "x-request-id": `${prefix}-${i}` } });
  const rows = (await rowsFor(prefix, 6)).sort((a, b) => a.requestId.localeCompare(b.requestId));
  assert.deepEqual(
    rows.map((row) => row.outcome),
    [...Array(5).fill("upstream-error"), "circuit-open"],
  );
  assert.equal(rows[5].status, 503);
});

test("streamed, event-stream and abandoned bodies are counted as they flowed", async () => {
  const download = await send(`${h.deployment.path}/download?bytes=${3 * 1024 * 1024}`);
  assert.equal(Number(download.row.bytesOut), 3 * 1024 * 1024);

  const sse = await send(`${h.deployment.path}/sse?count=3&gap=20`);
  assert.equal(Number(sse.row.bytesOut), Buffer.byteLength("id: 1\ndata: event 1\n\n") * 3);

  const requestId = `test-${randomUUID()}`;
  const controller = new AbortController();
  const response = await fetch(`${h.app}${h.deployment.path}/sse?hold=${randomUUID()}`, {
    headers: { cookie: h.owner.cookie, "x-request-id": requestId },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  controller.abort();
  const [aborted] = await rowsFor(requestId);
  assert.equal(aborted?.outcome, "client-aborted");
});

test("5,000 requests sent at high concurrency produce exactly one row each, and the rollups agree with the rows", async () => {
  const target = await h.deploy();
  await h.patch(target.id, { rateLimit: "100000/1m" });
  const prefix = `load-${randomUUID()}`;
  const total = 5_000;
  // A mix of status classes (and 1 in 100 a 500, too few to open the circuit) for the rollups to sort.
  const pathFor = (i: number) => (i % 100 === 0 ? "/status?code=500" : i % 10 === 0 ? "/status?code=404" : i % 7 === 0 ? "/status?code=302" : `/n/${i % 20}`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < total) {
        const i = next++;
        const response = await fetch(`${h.app}${target.path}${pathFor(i)}`, {
          headers: { cookie: h.owner.cookie, "x-request-id": `${prefix}-${i}` },
          redirect: "manual",
        });
        await response.arrayBuffer();
      }
    }),
  );
  const rows = await rowsFor(prefix, total);
  assert.equal(rows.length, total);
  assert.equal(new Set(rows.map((row) => row.requestId)).size, total);

  const rollups = await db().requestRollup.findMany({ where: { deploymentId: target.id } });
  const sum = (pick: (rollup: (typeof rollups)[number]) => number | bigint) => rollups.reduce((acc, rollup) => acc + Number(pick(rollup)), 0);
  const countClass = (low: number) => rows.filter((row) => row.status >= low && row.status < low + 100).length;
  assert.equal(
    sum((r) => r.requests),
    total,
  );
  assert.deepEqual(
    [sum((r) => r.status2xx), sum((r) => r.status3xx), sum((r) => r.status4xx), sum((r) => r.status5xx)],
    [countClass(200), countClass(300), countClass(400), countClass(500)],
  );
  assert.equal(
    sum((r) => r.bytesOut),
    rows.reduce((acc, row) => acc + Number(row.bytesOut), 0),
  );
  assert.equal(
    sum((r) => r.durationMsSum),
    rows.reduce((acc, row) => acc + row.durationMs, 0),
  );
  assert.equal(
    sum((r) => r.latencyBuckets.reduce((a, b) => a + b, 0)),
    total,
  );
  for (const rollup of rollups) {
    const minute = rollup.minute.getTime();
    assert.equal(rollup.requests, rows.filter((row) => row.at.getTime() - (row.at.getTime() % 60_000) === minute).length, "each minute's count");
  }

  const statuses = await db().requestBreakdown.findMany({ where: { deploymentId: target.id, dimension: "status" } });
  const rawStatuses = new Map<string, number>();
  for (const row of rows) rawStatuses.set(String(row.status), (rawStatuses.get(String(row.status)) ?? 0) + 1);
  const rolledStatuses = new Map<string, number>();
  for (const entry of statuses) rolledStatuses.set(entry.value, (rolledStatuses.get(entry.value) ?? 0) + entry.requests);
  assert.deepEqual(Object.fromEntries([...rolledStatuses].sort()), Object.fromEntries([...rawStatuses].sort()));
  const paths = await db().requestBreakdown.findMany({ where: { deploymentId: target.id, dimension: "path", value: "/status" } });
  assert.equal(
    paths.reduce((acc, entry) => acc + entry.requests, 0),
    rows.filter((row) => row.path === "/status").length,
  );
  assert.equal(
    paths.reduce((acc, entry) => acc + entry.errors, 0),
    rows.filter((row) => row.path === "/status" && row.status >= 500).length,
  );
});

test("the retention job deletes raw rows past their retention and rollups past theirs, and keeps the rest", async () => {
  const target = await h.deploy();
  const now = new Date();
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
  const rawRow = (at: Date, requestId: string) => ({
    at,
    requestId,
    deploymentId: target.id,
    method: "GET",
    path: "/",
    status: 200,
    outcome: "proxied",
    durationMs: 1,
    bytesIn: 0n,
    bytesOut: 0n,
  });
  const prefix = `retention-${randomUUID()}`;
  await db().requestLog.createMany({ data: [rawRow(daysAgo(8), `${prefix}-old`), rawRow(daysAgo(6), `${prefix}-kept`)] });
  const rollup = (minute: Date) => ({
    deploymentId: target.id,
    minute,
    requests: 1,
    status1xx: 0,
    status2xx: 1,
    status3xx: 0,
    status4xx: 0,
    status5xx: 0,
    rateLimited: 0,
    durationMsSum: 1n,
    latencyBuckets: [1],
    bytesIn: 0n,
    bytesOut: 0n,
  });
  await db().requestRollup.createMany({ data: [rollup(daysAgo(91)), rollup(daysAgo(8))] });
  const breakdown = (hour: Date) => ({ deploymentId: target.id, hour, dimension: "path", value: "/", requests: 1, errors: 0 });
  await db().requestBreakdown.createMany({ data: [breakdown(daysAgo(91)), breakdown(daysAgo(8))] });

  const deleted = await pruneRequestData(pool(), { rawDays: 7, rollupDays: 90 }, now);
  assert.ok(deleted.raw >= 1 && deleted.rollups >= 1 && deleted.breakdowns >= 1);
  assert.deepEqual(
    (await db().requestLog.findMany({ where: { requestId: { startsWith: prefix } } })).map((row) => row.requestId),
    [`${prefix}-kept`],
  );
  assert.deepEqual(
    (await db().requestRollup.findMany({ where: { deploymentId: target.id } })).map((row) => row.minute),
    [daysAgo(8)],
  );
  assert.deepEqual(
    (await db().requestBreakdown.findMany({ where: { deploymentId: target.id } })).map((row) => row.hour),
    [daysAgo(8)],
  );
});

test("operators scrape Prometheus metrics with the token, without user or deployment labels", async () => {
  assert.equal((await fetch(`${h.app}/api/metrics`)).status, 401);
  assert.equal((await fetch(`${h.app}/api/metrics`, { headers: { authorization: "Bearer wrong-token-of-some-length" } })).status, 401);
  const response = await fetch(`${h.app}/api/metrics`, { headers: { authorization: `Bearer ${testMetricsToken}` } });
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.match(text, /gatehouse_gateway_requests_total\{status_class="2xx",outcome="proxied",method="POST"\} [1-9]/);
  assert.match(text, /gatehouse_gateway_request_duration_seconds_bucket\{le="0\.1",outcome="proxied"\}/);
  assert.match(text, /gatehouse_circuits\{state="open"\}/);
  assert.match(text, /gatehouse_request_log_queue_depth \d+/);
  assert.match(text, /gatehouse_rate_limiter_failures \d+/);
  assert.doesNotMatch(text, new RegExp(h.deployment.id));
  assert.doesNotMatch(text, new RegExp(h.owner.id));
});
