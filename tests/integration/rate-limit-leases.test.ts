import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { Redis } from "@upstash/redis";
import { parseConfig } from "@/lib/config";
import type { RoutableDeployment } from "@/lib/deployments/cache";
import { RateLimiter, type RateRule } from "@/lib/gateway/rate-limit";
import { Problem } from "@/lib/http/problems";
import { TcpRequester } from "@/lib/redis/tcp-requester";
import { testSecret } from "@/testkit/app";
import { DisposableRedis } from "@/testkit/redis-server";
import { skipUnless } from "@/testkit/suite";
import { clearOfWindowEnd } from "@/testkit/wait";

// The gateway's limiter against a redis-server of its own, whose command counts are this file's alone;
// once, on the PostgreSQL + Redis run. Two RateLimiters sharing it stand for two gateway instances.
const skip = skipUnless({ database: "postgres", gateway: "fast" });

const server = new DisposableRedis();
const connections: TcpRequester[] = [];
before(async () => {
  if (!skip) await server.start();
});
after(async () => {
  await Promise.all(connections.map((connection) => connection.close()));
  await server.stop();
});

/** A limiter whose Redis client has already sent each script once: a new client's first EVALSHA of a script fails and is sent again. */
async function instance(lease: string): Promise<RateLimiter> {
  const settings = parseConfig({
    NEXTAUTH_SECRET: testSecret,
    GATEWAY_RATE_LIMIT_USER: "1000000/1h",
    GATEWAY_RATE_LIMIT_LEASE: lease,
    GATEWAY_RATE_LIMIT_TIMEOUT_MS: "2000",
  });
  const connection = new TcpRequester(await server.url());
  connections.push(connection);
  const limiter = new RateLimiter(settings, new Redis(connection));
  await check(limiter, deployment({ limit: 1000, windowSeconds: 3600, algorithm: "sliding" }));
  await check(limiter, deployment({ limit: 1000, windowSeconds: 3600, algorithm: "token" }));
  return limiter;
}

function deployment(rate: RateRule): RoutableDeployment {
  return { id: randomUUID(), userId: "owner", name: "leases", target: new URL("http://127.0.0.1:9"), status: "running", corsOrigins: new Set(), rate };
}

/** Scripts Redis has run so far: one per round trip the limiter made. */
async function scriptCalls(): Promise<number> {
  const { stdout } = await promisify(execFile)("redis-cli", ["-p", String(await server.port), "info", "commandstats"]);
  return [...stdout.matchAll(/^cmdstat_eval(?:sha)?:calls=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

interface Answer {
  admitted: boolean;
  ratelimit: string;
}

async function check(limiter: RateLimiter, target: RoutableDeployment): Promise<Answer> {
  try {
    const headers = await limiter.check(`user-${target.id}`, target);
    return { admitted: true, ratelimit: String(headers.ratelimit) };
  } catch (error) {
    if (error instanceof Problem && error.status === 429) return { admitted: false, ratelimit: error.headers.ratelimit };
    throw error;
  }
}

const admitted = (answers: Answer[]) => answers.filter((a) => a.admitted).length;

test("one instance admits exactly the limit from leases, with a fraction of the round trips", { skip }, async () => {
  // Sliding windows of an hour, aligned to the clock: one straddling the hour would round a request in.
  await clearOfWindowEnd(3600, 60_000);
  const leasing = await instance("10");
  const target = deployment({ limit: 100, windowSeconds: 3600, algorithm: "sliding" });
  const before = await scriptCalls();
  const answers: Answer[] = [];
  for (let i = 0; i < 130; i++) answers.push(await check(leasing, target));
  const roundTrips = (await scriptCalls()) - before;
  assert.deepEqual(
    answers.map((a) => a.admitted),
    [...Array(100).fill(true), ...Array(30).fill(false)],
  );
  // A window's first lease is one token, which tells the instance that 99 are left.
  assert.match(answers[0].ratelimit, /"deployment";r=99;/);
  // The second lease took 10 of those: Redis's 89, plus 9 in hand.
  assert.match(answers[1].ratelimit, /"deployment";r=98;/);
  assert.match(answers[99].ratelimit, /"deployment";r=0;/);
  assert.ok(roundTrips <= 45, `${roundTrips} round trips for 130 checks`);

  const perRequest = await instance("0");
  const exact = deployment({ limit: 100, windowSeconds: 3600, algorithm: "sliding" });
  const start = await scriptCalls();
  const unleased: Answer[] = [];
  for (let i = 0; i < 110; i++) unleased.push(await check(perRequest, exact));
  assert.equal(admitted(unleased), 100);
  // Without leases every check asks Redis until the first refusal, which holds until the window resets.
  // The user's limit still asks on every check.
  assert.equal((await scriptCalls()) - start, 2 * 101 + 9, "one script per limit and check");
});

test("instances sharing Redis never admit more than the limit together, sequentially or all at once", { skip }, async () => {
  await clearOfWindowEnd(3600, 60_000);
  const [a, b, c] = [await instance("10"), await instance("10"), await instance("10")];
  const alternating = deployment({ limit: 100, windowSeconds: 3600, algorithm: "sliding" });
  const answers: Answer[] = [];
  for (let i = 0; i < 150; i++) answers.push(await check(i % 2 ? a : b, alternating));
  assert.ok(admitted(answers) <= 100, `${admitted(answers)} admitted`);
  // A lease unused when another instance takes the last tokens is lost: at most 9 per instance.
  assert.ok(admitted(answers) >= 82, `${admitted(answers)} admitted`);

  const burst = deployment({ limit: 100, windowSeconds: 3600, algorithm: "sliding" });
  const together = await Promise.all(Array.from({ length: 160 }, (_, i) => check(i % 2 ? a : b, burst)));
  assert.ok(admitted(together) <= 100, `${admitted(together)} admitted`);
  assert.ok(admitted(together) >= 82, `${admitted(together)} admitted`);

  // Another instance's first lease in the window is a single token, so it cannot cross the limit:
  // it takes the last 5 one at a time, and a third instance arriving at the full window gets nothing.
  const late = deployment({ limit: 100, windowSeconds: 3600, algorithm: "sliding" });
  const first: Answer[] = [];
  for (let i = 0; i < 95; i++) first.push(await check(a, late));
  const second: Answer[] = [];
  for (let i = 0; i < 6; i++) second.push(await check(b, late));
  assert.equal(admitted(first), 95);
  assert.deepEqual(
    second.map((x) => x.admitted),
    [true, true, true, true, true, false],
  );
  assert.equal((await check(c, late)).admitted, false);

  // A lease sized from a count that has gone stale crosses the limit: the sliding window refuses it
  // yet counts it. The window then admits fewer than its limit (95 of 100), never more.
  const stale = deployment({ limit: 100, windowSeconds: 3600, algorithm: "sliding" });
  assert.equal((await check(b, stale)).admitted, true);
  const drained: Answer[] = [];
  for (let i = 0; i < 94; i++) drained.push(await check(a, stale));
  assert.equal(admitted(drained), 94);
  assert.equal((await check(b, stale)).admitted, false, "a lease of 10 where 5 are left");
  assert.equal((await check(a, stale)).admitted, false);
});

test("a token bucket hands out exactly its burst through leases, and a lease it cannot fill falls back to one token", { skip }, async () => {
  const [a, b] = [await instance("10"), await instance("10")];
  const target = deployment({ limit: 50, windowSeconds: 3600, algorithm: "token", burst: 50 });
  const answers: Answer[] = [await check(b, target)];
  for (let i = 0; i < 46; i++) answers.push(await check(a, target));
  const before = await scriptCalls();
  // The other instance last saw 49 left and asks for 5 where 3 are: refused, it asks for 1.
  for (let i = 0; i < 5; i++) answers.push(await check(b, target));
  assert.equal(admitted(answers), 50);
  assert.deepEqual(
    answers.slice(47).map((x) => x.admitted),
    [true, true, true, false, false],
  );
  assert.equal((await scriptCalls()) - before, 1 + 5, "the user's lease, then 5 and 1, 1, 1, and the refusal (the last check is refused from memory)");
});
