import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { db } from "@/lib/db";
import { appUrl, newDeployment, newUser, sleep, type TestUser } from "@/tests/support/fixtures";
import { TestUpstream } from "@/tests/support/upstream";

const upstream = new TestUpstream();
let app: string;
let owner: TestUser;

before(async () => {
  app = appUrl();
  await upstream.start();
  owner = await newUser();
});
after(() => upstream.stop());

const call = (path: string) => fetch(`${app}${path}`, { headers: { cookie: owner.cookie } });
const events = async (deploymentId: string) =>
  (await db().deploymentEvent.findMany({ where: { deploymentId, kind: "breaker" }, orderBy: { at: "asc" } })).map((e) => `${e.from}->${e.to}`);

async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(100)) if (await check()) return;
  assert.fail("condition not reached in time");
}

test("consecutive failures open the circuit; it refuses without the upstream, probes after the cool-down, and closes on recovery", async () => {
  const deployment = await newDeployment(owner, `${upstream.url}/flaky`);
  upstream.failing = true;
  for (let i = 0; i < 5; i++) assert.equal((await call(`${deployment.path}/`)).status, 500);

  const reached = upstream.flakyCount.value;
  const refused = await call(`${deployment.path}/`);
  assert.equal(refused.status, 503);
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  const problem = await refused.json();
  assert.match(problem.type, /circuit-open/);
  assert.match(problem.detail, new RegExp(deployment.name));
  assert.equal((await call(`${deployment.path}/`)).status, 503);
  assert.equal(upstream.flakyCount.value, reached, "no request reaches the deployment while open");

  const page = await (await fetch(`${app}/dashboard/deployments/${deployment.id}`, { headers: { cookie: owner.cookie } })).text();
  assert.match(page, /data-circuit="open"/);

  // Cool-down (1 s in tests) over: one probe, still failing, re-opens for twice as long.
  await sleep(1_100);
  assert.equal((await call(`${deployment.path}/`)).status, 500);
  assert.equal(upstream.flakyCount.value, reached + 1);
  assert.equal((await call(`${deployment.path}/`)).status, 503);
  await sleep(1_100);
  assert.equal((await call(`${deployment.path}/`)).status, 503, "the second cool-down is doubled");

  upstream.failing = false;
  await sleep(1_000);
  assert.equal((await call(`${deployment.path}/`)).status, 200, "the probe succeeds");
  for (let i = 0; i < 3; i++) assert.equal((await call(`${deployment.path}/`)).status, 200);
  await eventually(async () => (await events(deployment.id)).length === 5);
  assert.deepEqual(await events(deployment.id), ["closed->open", "open->half-open", "half-open->open", "open->half-open", "half-open->closed"]);
});

test("a failure ratio over the window opens the circuit even without a streak", async () => {
  const deployment = await newDeployment(owner, `${upstream.url}/flaky`);
  const results: number[] = [];
  for (let i = 0; i < 12; i++) {
    upstream.failing = i % 2 === 1;
    results.push((await call(`${deployment.path}/`)).status);
  }
  upstream.failing = false;
  assert.deepEqual(results.slice(0, 10), [200, 500, 200, 500, 200, 500, 200, 500, 200, 500]);
  assert.deepEqual(results.slice(10), [503, 503], "5 of 10 failed: open");
});

test("refused connections count as failures; the deployment's 4xx and the gateway's own refusals do not", async () => {
  const notFound = await newDeployment(owner, upstream.url);
  for (let i = 0; i < 12; i++) assert.equal((await fetch(`${app}${notFound.path}/status?code=404`, { headers: { cookie: owner.cookie } })).status, 404);
  for (let i = 0; i < 12; i++) assert.equal((await fetch(`${app}${notFound.path}/`)).status, 401);
  assert.equal((await call(`${notFound.path}/`)).status, 200);

  const dead = await newDeployment(owner, "http://127.0.0.1:9");
  for (let i = 0; i < 5; i++) assert.equal((await call(`${dead.path}/`)).status, 502);
  assert.equal((await call(`${dead.path}/`)).status, 503);
});
