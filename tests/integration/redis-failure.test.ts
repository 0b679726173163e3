import assert from "node:assert/strict";
import { before, test } from "node:test";
import { type RunningApp, testMetricsToken } from "@/testkit/app";
import { type Harness, harness } from "@/testkit/harness";
import { DisposableRedis } from "@/testkit/redis-server";
import { skipUnless } from "@/testkit/suite";
import type { TestUpstream } from "@/testkit/upstream";
import { eventually, sleep } from "@/testkit/wait";

// Starts its own redis-server and apps; once, on the PostgreSQL + Redis run.
const skip = skipUnless({ database: "postgres", gateway: "fast" });

const redis = new DisposableRedis();
let h: Harness<TestUpstream>;
let allowing: RunningApp;
let denying: RunningApp;

before(async (t) => {
  if (skip) return;
  h = await harness(t, { deployment: false });
  // Stopped after the apps, which are started after it.
  h.defer(() => redis.stop());
  await redis.start();
  // The default deadline: what keeps requests moving while Redis is gone is part of what is tested.
  const env = { REDIS_URL: await redis.url(), GATEWAY_RATE_LIMIT_TIMEOUT_MS: "150", GATEWAY_RATE_LIMIT_USER: "1000000/1m" };
  [allowing, denying] = await h.startApps([
    { ...env, GATEWAY_RATE_LIMIT_ON_ERROR: "allow" },
    { ...env, GATEWAY_RATE_LIMIT_ON_ERROR: "deny" },
  ]);
});

const call = (app: RunningApp, path: string) => h.call(path, { app });
const ready = (app: RunningApp) => fetch(`${app.url}/api/health/ready`, { headers: { authorization: `Bearer ${testMetricsToken}` } });

test("with Redis down, `allow` lets requests through and `deny` refuses with 503, never 500; limits resume when Redis returns", { skip }, async () => {
  const deployment = await h.deploy();
  assert.equal((await h.patch(deployment.id, { rateLimit: "3/1m", rateLimitAlgorithm: "token" }, { app: allowing })).status, 200);
  await sleep(100);
  assert.equal((await call(allowing, `${deployment.path}/`)).status, 200);

  await redis.stop();
  const started = Date.now();
  for (let i = 0; i < 5; i++) {
    const response = await call(allowing, `${deployment.path}/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("ratelimit"), null, "no limit was counted");
  }
  assert.ok(Date.now() - started < 5 * 1_000, "the limiter's deadline keeps requests moving");
  // Failing open, an instance still serves, so it stays ready (Redis reported, not required); failing closed, it does not.
  const allowingReadiness = await ready(allowing);
  assert.equal(allowingReadiness.status, 200);
  const redisCheck = (await allowingReadiness.json()).checks.redis;
  assert.equal(redisCheck.ok, false);
  assert.equal(redisCheck.required, false);
  const denyingReadiness = await ready(denying);
  assert.equal(denyingReadiness.status, 503);
  assert.equal((await denyingReadiness.json()).checks.redis.ok, false);
  const denied = await call(denying, `${deployment.path}/`);
  assert.equal(denied.status, 503);
  assert.match((await denied.json()).type, /rate-limiter-unavailable/);
  assert.equal(allowing.output().match(/rate limiter unavailable/g)?.length, 1, "logged once per interval, not per request");

  await redis.start();
  let counted: Response | undefined;
  for (let attempt = 0; attempt < 40 && !counted; attempt++) {
    await sleep(250);
    const response = await call(allowing, `${deployment.path}/`);
    if (response.headers.get("ratelimit")) counted = response;
  }
  assert.ok(counted, "counting again after the restart");
  // A call that missed the deadline while Redis came back may still have been counted there, so the
  // remaining count is read from the answer rather than assumed.
  const remaining = Number(/r=(\d+)/.exec(counted.headers.get("ratelimit") ?? "")?.[1]);
  assert.ok(remaining < 3);
  const statuses: number[] = [];
  for (let i = 0; i <= remaining; i++) statuses.push((await call(allowing, `${deployment.path}/`)).status);
  assert.deepEqual(statuses, [...Array(remaining).fill(200), 429]);
});

test("with Redis killed for three seconds under load at concurrency 50 on each instance, `allow` serves every request and stays ready, `deny` answers 503 once its leases run out and only while Redis is away, and nothing gets a 500", {
  skip,
}, async (t) => {
  const deployment = await h.deploy();
  // Far above what the test sends, and small enough that leases (1% of the limit at most) run out within the outage.
  assert.equal((await h.patch(deployment.id, { rateLimit: "50000/1m" }, { app: allowing })).status, 200);
  await eventually("deny has its Redis connection back from the test before", async () => (await ready(denying)).status === 200);
  type Phase = "before" | "down" | "after";
  let phase: Phase = "before";
  let running = true;
  const tally = { allowing: new Map<string, number>(), denying: new Map<string, number>() };
  const count = (into: Map<string, number>, key: string) => into.set(key, (into.get(key) ?? 0) + 1);
  const load = (app: RunningApp, into: Map<string, number>) =>
    Promise.all(
      Array.from({ length: 25 }, async () => {
        while (running) {
          const during = phase;
          const response = await call(app, `${deployment.path}/`);
          await response.arrayBuffer();
          count(into, `${during} ${response.status}`);
        }
      }),
    );
  const readiness = { allowing: new Map<string, number>(), denying: new Map<string, number>() };
  const watchReadiness = async () => {
    while (running) {
      const during = phase;
      const [a, d] = await Promise.all([ready(allowing), ready(denying)]);
      await Promise.all([a.arrayBuffer(), d.arrayBuffer()]);
      count(readiness.allowing, `${during} ${a.status}`);
      count(readiness.denying, `${during} ${d.status}`);
      await sleep(200);
    }
  };
  const traffic = Promise.all([load(allowing, tally.allowing), load(denying, tally.denying), watchReadiness()]);
  await sleep(1_500);
  await redis.stop();
  phase = "down";
  await sleep(3_000);
  await redis.start();
  // The client retries at most every 2 s: what was sent until it is back belongs to neither side.
  await sleep(3_000);
  phase = "after";
  await sleep(1_500);
  running = false;
  await traffic;

  const statuses = (map: Map<string, number>, during: Phase) => [...map].filter(([key]) => key.startsWith(during)).map(([key]) => Number(key.split(" ")[1]));
  const figures = (map: Map<string, number>) => [...map].map(([key, n]) => `${key}: ${n}`).join(", ");
  t.diagnostic(`allow: ${figures(tally.allowing)}; deny: ${figures(tally.denying)}`);
  t.diagnostic(`readiness under allow: ${figures(readiness.allowing)}; under deny: ${figures(readiness.denying)}`);
  for (const during of ["before", "down", "after"] as const) {
    assert.deepEqual(statuses(tally.allowing, during), [200], `allow serves every request ${during} the outage`);
    assert.deepEqual(statuses(readiness.allowing, during), [200], `allow stays ready ${during} the outage`);
  }
  assert.deepEqual(statuses(tally.denying, "before"), [200]);
  assert.ok(
    statuses(tally.denying, "down").every((status) => status === 200 || status === 503),
    "deny serves what Redis leased it before the outage, then answers 503",
  );
  assert.ok((tally.denying.get("down 503") ?? 0) > 50, "deny refuses while Redis is away");
  assert.deepEqual(statuses(tally.denying, "after"), [200], "deny serves again once Redis is back");
  assert.ok(statuses(readiness.denying, "down").includes(503), "deny reports itself unready while Redis is away");
  assert.deepEqual(statuses(readiness.denying, "after"), [200]);
  for (const map of [tally.allowing, tally.denying]) assert.ok(![...map.keys()].some((key) => key.endsWith(" 500")), "no 500");
});
