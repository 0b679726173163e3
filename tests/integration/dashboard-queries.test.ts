import assert from "node:assert/strict";
import { before, test } from "node:test";
import { deploymentBreakdowns } from "@/lib/analytics/queries/deployment-breakdowns";
import { deploymentSeries } from "@/lib/analytics/queries/deployment-series";
import { deploymentsOverview } from "@/lib/analytics/queries/deployments-overview";
import { type Cursor, recentRequests } from "@/lib/analytics/queries/recent-requests";
import { db } from "@/lib/db";
import { latencyBucketCount, percentileFromBuckets } from "@/lib/request-log/latency";
import { harness } from "@/testkit/harness";

const minute = 60_000;
const hourMs = 60 * minute;
// Yesterday at noon UTC: a clock of the test's own (well inside the retention the app prunes by), so
// buckets are predictable whenever the test runs.
const noon = Math.floor(Date.now() / (24 * hourMs)) * 24 * hourMs - 12 * hourMs;
const at = (offsetMs: number) => new Date(noon + offsetMs);
const now = at(7.5 * minute);
let deploymentId: string;

before(async (t) => {
  // A deployment nothing is served from: the rows below are written straight to the database.
  deploymentId = (await harness(t, { upstream: { url: "http://127.0.0.1:9" } })).deployment.id;
});

function histogram(entries: Record<number, number>): number[] {
  const counts = new Array<number>(latencyBucketCount).fill(0);
  for (const [index, count] of Object.entries(entries)) counts[Number(index)] = count;
  return counts;
}

const rollup = (at: Date, requests: number, status5xx: number, latencyBuckets: number[]) => ({
  deploymentId,
  minute: at,
  requests,
  status1xx: 0,
  status2xx: requests - status5xx,
  status3xx: 0,
  status4xx: 0,
  status5xx,
  rateLimited: 0,
  durationMsSum: BigInt(requests * 10),
  latencyBuckets,
  bytesIn: BigInt(requests * 100),
  bytesOut: BigInt(requests * 1000),
});

test("series sum the minutes of each bucket (histograms element-wise) and fill the empty buckets with zeros", async () => {
  const first = histogram({ 3: 4, 9: 1 });
  const second = histogram({ 3: 2, 12: 3 });
  await db().requestRollup.createMany({
    data: [
      // 12:01 and 12:04 share the 24-hour range's 15-minute bucket 12:00; 11:00 is another bucket.
      rollup(at(minute), 5, 1, first),
      rollup(at(4 * minute), 5, 0, second),
      rollup(at(-hourMs), 2, 0, histogram({ 0: 2 })),
      // Outside the 1-hour range, inside the 24-hour one.
      rollup(at(-11 * hourMs), 1, 1, histogram({ 20: 1 })),
    ],
  });

  const day = await deploymentSeries(deploymentId, "24h", now);
  assert.equal(day.series.length, 96);
  const bucket = day.series.find((point) => point.at === noon)!;
  assert.equal(bucket.requests, 10);
  assert.equal(bucket.status5xx, 1);
  assert.equal(bucket.errorRate, 0.1);
  assert.equal(bucket.bytesOut, 10_000);
  const summed = first.map((count, index) => count + second[index]);
  assert.equal(bucket.p95, percentileFromBuckets(summed, 0.95));
  assert.equal(day.series.filter((point) => point.requests > 0).length, 3);
  assert.equal(day.totals.requests, 13);
  assert.equal(day.totals.status5xx, 2);
  assert.equal(day.series.at(-1)!.at, noon, "the newest bucket holds now");

  const hour = await deploymentSeries(deploymentId, "1h", now);
  assert.equal(hour.series.length, 60);
  assert.equal(hour.totals.requests, 10);
  assert.ok(hour.series.every((point) => point.requests > 0 || (point.p95 === null && point.errorRate === null)));

  const overview = await deploymentsOverview([deploymentId, "no-such-deployment"], now);
  assert.equal(overview.get(deploymentId)!.totals.requests, 13);
  assert.equal(overview.get(deploymentId)!.sparkline.length, 24);
  assert.equal(overview.get("no-such-deployment")!.totals.requests, 0);
});

test("breakdowns keep the top ten of each dimension, with shares of the dimension's whole", async () => {
  const hour = at(-hourMs);
  await db().requestBreakdown.createMany({
    data: [
      ...Array.from({ length: 12 }, (_, index) => ({ deploymentId, hour, dimension: "path", value: `/p${index}`, requests: index + 1, errors: index % 2 })),
      { deploymentId, hour, dimension: "status", value: "200", requests: 70, errors: 0 },
      { deploymentId, hour, dimension: "status", value: "503", requests: 8, errors: 8 },
      { deploymentId, hour, dimension: "method", value: "GET", requests: 78, errors: 8 },
    ],
  });
  const tables = await deploymentBreakdowns(deploymentId, "24h", now);
  assert.deepEqual(
    tables.path.map((row) => row.value),
    ["/p11", "/p10", "/p9", "/p8", "/p7", "/p6", "/p5", "/p4", "/p3", "/p2"],
  );
  assert.equal(tables.path[0].share, 12 / 78);
  assert.deepEqual(
    tables.status.map((row) => [row.value, row.requests, row.errors]),
    [
      ["200", 70, 0],
      ["503", 8, 8],
    ],
  );
  assert.deepEqual(tables.country, []);
});

test("recent requests page by (at, id) without gaps or repeats, both ways, and filter by status, class, path and method", async () => {
  // Three timestamps shared by 20 rows each: ties that only the id orders.
  const rows = Array.from({ length: 60 }, (_, index) => ({
    at: new Date(now.getTime() - (1 + (index % 3)) * minute),
    requestId: `dash-${index}`,
    deploymentId,
    method: index % 4 === 0 ? "POST" : "GET",
    path: index % 5 === 0 ? `/api/things/${index}` : "/",
    status: index % 10 === 0 ? 502 : index % 7 === 0 ? 404 : 200,
    outcome: "ok",
    durationMs: index,
    bytesIn: BigInt(0),
    bytesOut: BigInt(index),
  }));
  await db().requestLog.createMany({ data: rows });

  const seen: string[] = [];
  const pages = [];
  let before: Cursor | undefined;
  do {
    const page = await recentRequests(deploymentId, "1h", {}, { before }, 25, now);
    pages.push(page);
    seen.push(...page.rows.map((row) => row.id));
    before = page.older;
  } while (before);
  assert.equal(pages.length, 3);
  assert.equal(new Set(seen).size, 60);
  const stored = await db().requestLog.findMany({ where: { deploymentId }, orderBy: [{ at: "desc" }, { id: "desc" }], select: { id: true } });
  assert.deepEqual(
    seen,
    stored.map((row) => String(row.id)),
  );
  assert.equal(pages[0].newer, undefined);

  const back = await recentRequests(deploymentId, "1h", {}, { after: pages[1].newer }, 25, now);
  assert.deepEqual(
    back.rows.map((row) => row.id),
    pages[0].rows.map((row) => row.id),
  );
  assert.equal(back.newer, undefined, "the first page has nothing newer");
  assert.ok(back.older);

  const count = (filter: (row: (typeof rows)[number]) => boolean) => rows.filter(filter).length;
  assert.equal(
    (await recentRequests(deploymentId, "1h", { status: "5xx" }, {}, 100, now)).rows.length,
    count((row) => row.status >= 500),
  );
  assert.equal(
    (await recentRequests(deploymentId, "1h", { status: "404" }, {}, 100, now)).rows.length,
    count((row) => row.status === 404),
  );
  assert.equal(
    (await recentRequests(deploymentId, "1h", { pathPrefix: "/api/things/", method: "POST" }, {}, 100, now)).rows.length,
    count((row) => row.path.startsWith("/api/things/") && row.method === "POST"),
  );
  assert.equal((await recentRequests(deploymentId, "1h", { status: "418" }, {}, 100, now)).rows.length, 0);
  // The range bounds the log: an hour later, these rows are out of the 1-hour range.
  assert.equal((await recentRequests(deploymentId, "1h", {}, {}, 25, new Date(now.getTime() + 62 * minute))).rows.length, 0);
});
