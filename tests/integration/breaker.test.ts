import assert from "node:assert/strict";
import { before, test } from "node:test";
import { db } from "@/lib/db";
import { type Harness, harness } from "@/testkit/harness";
import type { TestUpstream } from "@/testkit/upstream";
import { eventually, sleep } from "@/testkit/wait";

let h: Harness<TestUpstream>;
before(async (t) => {
  h = await harness(t, { deployment: false });
});

const events = async (deploymentId: string) =>
  (await db().deploymentEvent.findMany({ where: { deploymentId, kind: "breaker" }, orderBy: { at: "asc" } })).map((e) => `${e.from}->${e.to}`);

test("consecutive failures open the circuit; it refuses without the upstream, probes after the cool-down, and closes on recovery", async () => {
  const deployment = await h.deploy({ path: "/flaky" });
  h.upstream.failing = true;
  for (let i = 0; i < 5; i++) assert.equal((await h.call(`${deployment.path}/`)).status, 500);

  const reached = h.upstream.flakyCount.value;
  const refused = await h.call(`${deployment.path}/`);
  assert.equal(refused.status, 503);
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  const problem = await refused.json();
  assert.match(problem.type, /circuit-open/);
  assert.match(problem.detail, new RegExp(deployment.name));
  assert.equal((await h.call(`${deployment.path}/`)).status, 503);
  assert.equal(h.upstream.flakyCount.value, reached, "no request reaches the deployment while open");

  const page = await (await fetch(`${h.app}/dashboard/deployments/${deployment.id}`, { headers: { cookie: h.owner.cookie } })).text();
  assert.match(page, /data-circuit="open"/);

  // Cool-down (1 s in tests) over: one probe, still failing, re-opens for twice as long.
  await sleep(1_100);
  assert.equal((await h.call(`${deployment.path}/`)).status, 500);
  assert.equal(h.upstream.flakyCount.value, reached + 1);
  assert.equal((await h.call(`${deployment.path}/`)).status, 503);
  await sleep(1_100);
  assert.equal((await h.call(`${deployment.path}/`)).status, 503, "the second cool-down is doubled");

  h.upstream.failing = false;
  await sleep(1_000);
  assert.equal((await h.call(`${deployment.path}/`)).status, 200, "the probe succeeds");
  for (let i = 0; i < 3; i++) assert.equal((await h.call(`${deployment.path}/`)).status, 200);
  await eventually("five breaker events", async () => (await events(deployment.id)).length === 5, 5_000, 100);
  assert.deepEqual(await events(deployment.id), ["closed->open", "open->half-open", "half-open->open", "open->half-open", "half-open->closed"]);
});

test("a failure ratio over the window opens the circuit even without a streak", async () => {
  const deployment = await h.deploy({ path: "/flaky" });
  const results: number[] = [];
  for (let i = 0; i < 12; i++) {
    h.upstream.failing = i % 2 === 1;
    results.push((await h.call(`${deployment.path}/`)).status);
  }
  h.upstream.failing = false;
  assert.deepEqual(results.slice(0, 10), [200, 500, 200, 500, 200, 500, 200, 500, 200, 500]);
  assert.deepEqual(results.slice(10), [503, 503], "5 of 10 failed: open");
});

test("refused connections count as failures; the deployment's 4xx and the gateway's own refusals do not", async () => {
  const notFound = await h.deploy();
  for (let i = 0; i < 12; i++) assert.equal((await h.call(`${notFound.path}/status?code=404`)).status, 404);
  for (let i = 0; i < 12; i++) assert.equal((await fetch(`${h.app}${notFound.path}/`)).status, 401);
  assert.equal((await h.call(`${notFound.path}/`)).status, 200);

  const dead = await h.deploy({ target: "http://127.0.0.1:9" });
  for (let i = 0; i < 5; i++) assert.equal((await h.call(`${dead.path}/`)).status, 502);
  assert.equal((await h.call(`${dead.path}/`)).status, 503);
});
