import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type RunningApp, startApp } from "@/tests/support/app";
import { atWindowStart, newDeployment, newUser, patchDeployment, sleep, type TestUser } from "@/tests/support/fixtures";
import { TestUpstream } from "@/tests/support/upstream";

// Two production instances sharing PostgreSQL and Redis; once, on the PostgreSQL + Redis run.
const skip = process.env.GATEHOUSE_TEST_DATABASE !== "postgres" || process.env.GATEHOUSE_TEST_GATEWAY_MODE !== "fast";

const upstream = new TestUpstream();
let instances: RunningApp[] = [];
let owner: TestUser;

before(async () => {
  if (skip) return;
  await upstream.start();
  instances = await startPair({ GATEWAY_RATE_LIMIT_USER: "7/5s" });
  owner = await newUser();
});
after(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  await upstream.stop();
});

function startPair(env: Record<string, string>): Promise<RunningApp[]> {
  const shared = { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.GATEHOUSE_TEST_REDIS_URL, ...env };
  return Promise.all([startApp(shared), startApp(shared)]);
}

const call = (instance: RunningApp, path: string, user = owner) => fetch(`${instance.url}${path}`, { headers: { cookie: user.cookie } });

test("requests alternating between instances get exactly the deployment's limit in total", { skip }, async () => {
  const user = await newUser();
  const deployment = await newDeployment(user, upstream.url);
  assert.equal((await patchDeployment(user, deployment.id, { rateLimit: "5/5s" }, instances[0].url)).status, 200);
  // All ten inside one window: a sliding window straddling a boundary may round one request in.
  await atWindowStart(5);
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await call(instances[i % 2], `${deployment.path}/`, user)).status);
  assert.equal(statuses.filter((s) => s === 200).length, 5, statuses.join(","));
  assert.deepEqual(statuses.slice(5), [429, 429, 429, 429, 429]);
});

test("the per-user limit spans the user's deployments and both instances", { skip }, async () => {
  const user = await newUser();
  const [a, b] = [await newDeployment(user, upstream.url), await newDeployment(user, upstream.url)];
  await atWindowStart(5);
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await call(instances[i % 2], `${(i % 3 === 0 ? a : b).path}/`, user)).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 429, 429, 429]);
  const refused = await call(instances[0], `${a.path}/`, user);
  assert.match(refused.headers.get("ratelimit") ?? "", /"user";r=0/);
});

test("a circuit opened through one instance refuses through the other within about a second, and only one instance probes", { skip }, async () => {
  // A pair of its own: default rate limits, and a cool-down well beyond the one-second sync.
  await Promise.all(instances.map((instance) => instance.stop()));
  instances = await startPair({ GATEWAY_BREAKER_COOLDOWN_MS: "4000" });
  const deployment = await newDeployment(owner, `${upstream.url}/flaky`);
  upstream.failing = true;
  for (let i = 0; i < 5; i++) assert.equal((await call(instances[0], `${deployment.path}/`)).status, 500);
  assert.equal((await call(instances[0], `${deployment.path}/`)).status, 503);

  const reached = upstream.flakyCount.value;
  let refusedAfter = -1;
  const opened = Date.now();
  for (const started = Date.now(); Date.now() - started < 3_000; await sleep(100)) {
    if ((await call(instances[1], `${deployment.path}/`)).status === 503) {
      refusedAfter = Date.now() - started;
      break;
    }
  }
  assert.ok(refusedAfter >= 0 && refusedAfter <= 1_500, `the other instance refuses within about a second (${refusedAfter} ms)`);
  assert.ok(upstream.flakyCount.value - reached <= 10, "at most its sync interval of requests slipped through");

  // After the cool-down both instances see traffic, but only one of them sends probes. (The other
  // instance may have seen five failures of its own before it synced, and opened a little later.)
  await sleep(5_600 - (Date.now() - opened));
  const before = upstream.flakyCount.value;
  const answers = await Promise.all([0, 1, 0, 1, 0, 1].map((i) => call(instances[i], `${deployment.path}/`)));
  assert.equal(upstream.flakyCount.value - before, 1, "exactly one probe");
  assert.equal(answers.filter((r) => r.status === 500).length, 1);
  upstream.failing = false;
});
