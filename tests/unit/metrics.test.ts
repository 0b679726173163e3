import assert from "node:assert/strict";
import { test } from "node:test";
import { latencyBucket, latencyBucketBoundsMs, latencyBucketCount, percentileFromBuckets } from "@/lib/request-log/latency";
import type { RequestRow } from "@/lib/request-log/recorder";
import { clientCountry } from "@/lib/request-log/request-facts";
import { rollUp } from "@/lib/request-log/rollups";

test("latencies fall in the bucket whose bound is the first at or above them", () => {
  assert.equal(latencyBucket(0), 0);
  assert.equal(latencyBucket(1), 0);
  assert.equal(latencyBucket(1.5), 1);
  assert.equal(latencyBucket(100), latencyBucketBoundsMs.indexOf(100));
  assert.equal(latencyBucket(101), latencyBucketBoundsMs.indexOf(150));
  assert.equal(latencyBucket(10_000_000), latencyBucketCount - 1);
});

test("percentiles read back from a histogram land within the bucket holding them", () => {
  const counts = new Array(latencyBucketCount).fill(0);
  for (let ms = 1; ms <= 1000; ms++) counts[latencyBucket(ms)]++;
  const p50 = percentileFromBuckets(counts, 0.5)!;
  const p99 = percentileFromBuckets(counts, 0.99)!;
  assert.ok(p50 > 300 && p50 <= 500, `p50 ${p50}`);
  assert.ok(p99 > 750 && p99 <= 1000, `p99 ${p99}`);
  assert.equal(percentileFromBuckets(new Array(latencyBucketCount).fill(0), 0.5), null);
});

test("the country comes from the trusted header when it names one, else from the local IP database", () => {
  assert.equal(clientCountry({ "cf-ipcountry": "fr" }, "cf-ipcountry", "81.2.69.142"), "FR");
  assert.equal(clientCountry({ "cf-ipcountry": "XX" }, "cf-ipcountry", "81.2.69.142"), "GB");
  assert.equal(clientCountry({}, undefined, "8.8.8.8"), "US");
  assert.equal(clientCountry({}, undefined, "::ffff:8.8.8.8"), "US");
  assert.equal(clientCountry({}, undefined, "2a00:1450:4001:81b::200e"), "DE");
  assert.equal(clientCountry({}, undefined, "127.0.0.1"), null, "loopback and private addresses stay unknown");
  assert.equal(clientCountry({}, undefined, ""), null);
});

const row = (at: string, deploymentId: string | null, status: number, durationMs: number, extra: Partial<RequestRow> = {}): RequestRow => ({
  at: new Date(at),
  requestId: "r",
  userId: "u",
  deploymentId,
  method: "GET",
  path: "/",
  status,
  outcome: status === 429 ? "rate-limited" : "proxied",
  durationMs,
  ttfbMs: null,
  bytesIn: 10,
  bytesOut: 100,
  country: null,
  clientAddress: null,
  userAgentFamily: "curl",
  via: "gateway-path",
  mcpMethod: null,
  mcpName: null,
  mcpError: null,
  ...extra,
});

test("a batch rolls up into per-minute totals and hourly breakdowns per deployment", () => {
  const { minutes, hours } = rollUp([
    row("2026-11-24T10:00:05Z", "b", 200, 3),
    row("2026-11-24T10:00:59Z", "b", 503, 40),
    row("2026-11-24T10:01:00Z", "b", 429, 1),
    row("2026-11-24T10:00:30Z", "a", 200, 3, { country: "DE", path: "/x" }),
    row("2026-11-24T10:00:30Z", null, 401, 1),
  ]);
  assert.deepEqual(
    minutes.map((m) => [m.deploymentId, m.minute.toISOString(), m.requests, m.statusClasses, m.rateLimited, m.durationMsSum, m.bytesOut]),
    [
      ["a", "2026-11-24T10:00:00.000Z", 1, [0, 1, 0, 0, 0], 0, 3, 100],
      ["b", "2026-11-24T10:00:00.000Z", 2, [0, 1, 0, 0, 1], 0, 43, 200],
      ["b", "2026-11-24T10:01:00.000Z", 1, [0, 0, 0, 1, 0], 1, 1, 100],
    ],
  );
  assert.equal(minutes[1].latencyBuckets[latencyBucket(40)], 1);
  const find = (deployment: string, dimension: string, value: string) =>
    hours.find((h) => h.deploymentId === deployment && h.dimension === dimension && h.value === value);
  assert.deepEqual([find("b", "status", "503")?.requests, find("b", "status", "503")?.errors], [1, 1]);
  assert.equal(find("b", "path", "/")?.requests, 3);
  assert.equal(find("a", "country", "DE")?.requests, 1);
  assert.equal(find("b", "country", "unknown")?.requests, 3);
});

test("a WebSocket's latency in the rollups is its time to 101, not the life of its connection", () => {
  const { minutes } = rollUp([row("2026-11-24T10:00:05Z", "ws", 101, 600_000, { ttfbMs: 4 })]);
  assert.equal(minutes[0].durationMsSum, 4);
  assert.equal(minutes[0].latencyBuckets[latencyBucket(4)], 1);
  assert.equal(minutes[0].requests, 1);
});

test("MCP calls roll up per hour, method and name; a JSON-RPC error or a 5xx counts as failed; other requests add nothing", () => {
  const { mcpCalls } = rollUp([
    row("2026-11-24T10:00:05Z", "b", 200, 3, { method: "POST", mcpMethod: "tools/call", mcpName: "add", mcpError: false }),
    row("2026-11-24T10:10:00Z", "b", 200, 40, { method: "POST", mcpMethod: "tools/call", mcpName: "add", mcpError: true }),
    row("2026-11-24T10:20:00Z", "b", 502, 5, { method: "POST", mcpMethod: "tools/call", mcpName: "add", mcpError: null }),
    row("2026-11-24T10:30:00Z", "b", 200, 1, { method: "POST", mcpMethod: "tools/list" }),
    row("2026-11-24T11:00:00Z", "b", 200, 1, { method: "POST", mcpMethod: "tools/list" }),
    row("2026-11-24T10:30:00Z", "b", 200, 1),
  ]);
  assert.deepEqual(
    mcpCalls.map(({ hour, method, name, calls, errors }) => ({ hour: hour.toISOString(), method, name, calls, errors })),
    [
      { hour: "2026-11-24T10:00:00.000Z", method: "tools/call", name: "add", calls: 3, errors: 2 },
      { hour: "2026-11-24T10:00:00.000Z", method: "tools/list", name: "", calls: 1, errors: 0 },
      { hour: "2026-11-24T11:00:00.000Z", method: "tools/list", name: "", calls: 1, errors: 0 },
    ],
  );
  assert.equal(
    mcpCalls[0].latencyBuckets.reduce((a, b) => a + b, 0),
    3,
  );
});
