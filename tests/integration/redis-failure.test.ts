import assert from "node:assert/strict";
import { before, test } from "node:test";
import { type RunningApp, testMetricsToken } from "@/testkit/app";
import { type Harness, harness } from "@/testkit/harness";
import { DisposableRedis } from "@/testkit/redis-server";
import { skipUnless } from "@/testkit/suite";
import type { TestUpstream } from "@/testkit/upstream";
import { sleep } from "@/testkit/wait";

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
  const env = { REDIS_URL: await redis.url(), GATEWAY_RATE_LIMIT_TIMEOUT_MS: "150" };
  [allowing, denying] = await h.startApps([
    { ...env, GATEWAY_RATE_LIMIT_ON_ERROR: "allow" },
    { ...env, GATEWAY_RATE_LIMIT_ON_ERROR: "deny" },
  ]);
});

const call = (app: RunningApp, path: string) => h.call(path, { app });

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
  const ready = (app: RunningApp) => fetch(`${app.url}/api/health/ready`, { headers: { authorization: `Bearer ${testMetricsToken}` } });
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
