import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { RunningApp } from "@/testkit/app";
import { type Harness, harness } from "@/testkit/harness";
import { skipUnless } from "@/testkit/suite";
import type { TestUpstream } from "@/testkit/upstream";
import { atWindowStart, sleep } from "@/testkit/wait";

// Two production instances sharing PostgreSQL and Redis (this pass's REDIS_URL); once, on the PostgreSQL + Redis run.
const skip = skipUnless({ database: "postgres", gateway: "fast" });

let h: Harness<TestUpstream>;
let instances: RunningApp[] = [];
before(async (t) => {
  if (skip) return;
  const pair = { GATEWAY_RATE_LIMIT_USER: "7/5s" };
  h = await harness(t, { apps: [pair, pair], deployment: false });
  instances = h.apps;
});

const startPair = (env: Record<string, string>) => h.startApps([env, env]);
const call = (instance: RunningApp, path: string, user = h.owner) => h.call(path, { app: instance, cookie: user.cookie });

test("requests alternating between instances get exactly the deployment's limit in total", { skip }, async () => {
  const user = await h.newUser();
  const deployment = await h.deploy({ owner: user });
  assert.equal((await h.patch(deployment.id, { rateLimit: "5/5s" }, { as: user })).status, 200);
  // All ten inside one window: a sliding window straddling a boundary may round one request in.
  await atWindowStart(5);
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) statuses.push((await call(instances[i % 2], `${deployment.path}/`, user)).status);
  assert.equal(statuses.filter((s) => s === 200).length, 5, statuses.join(","));
  assert.deepEqual(statuses.slice(5), [429, 429, 429, 429, 429]);
});

test("the per-user limit spans the user's deployments and both instances", { skip }, async () => {
  const user = await h.newUser();
  const [a, b] = [await h.deploy({ owner: user }), await h.deploy({ owner: user })];
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
  const deployment = await h.deploy({ path: "/flaky" });
  h.upstream.failing = true;
  for (let i = 0; i < 5; i++) assert.equal((await call(instances[0], `${deployment.path}/`)).status, 500);
  assert.equal((await call(instances[0], `${deployment.path}/`)).status, 503);

  const reached = h.upstream.flakyCount.value;
  let refusedAfter = -1;
  const opened = Date.now();
  for (const started = Date.now(); Date.now() - started < 3_000; await sleep(100)) {
    if ((await call(instances[1], `${deployment.path}/`)).status === 503) {
      refusedAfter = Date.now() - started;
      break;
    }
  }
  assert.ok(refusedAfter >= 0 && refusedAfter <= 1_500, `the other instance refuses within about a second (${refusedAfter} ms)`);
  assert.ok(h.upstream.flakyCount.value - reached <= 10, "at most its sync interval of requests slipped through");

  // After the cool-down both instances see traffic, but only one of them sends probes. (The other
  // instance may have seen five failures of its own before it synced, and opened a little later.)
  await sleep(5_600 - (Date.now() - opened));
  const before = h.upstream.flakyCount.value;
  const answers = await Promise.all([0, 1, 0, 1, 0, 1].map((i) => call(instances[i], `${deployment.path}/`)));
  assert.equal(h.upstream.flakyCount.value - before, 1, "exactly one probe");
  assert.equal(answers.filter((r) => r.status === 500).length, 1);
  h.upstream.failing = false;
});
