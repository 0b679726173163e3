import assert from "node:assert/strict";
import { before, test } from "node:test";
import { runCli } from "@/testkit/app";
import { type Harness, harness } from "@/testkit/harness";
import { cliEnvironment, skipUnless } from "@/testkit/suite";
import type { TestUpstream } from "@/testkit/upstream";
import { atWindowStart, sleep, waitFor } from "@/testkit/wait";

let h: Harness<TestUpstream>;
before(async (t) => {
  h = await harness(t, { deployment: false });
});

async function burst(path: string, count: number): Promise<Response[]> {
  const responses: Response[] = [];
  for (let i = 0; i < count; i++) responses.push(await h.call(path));
  return responses;
}

const statuses = (responses: Response[]) => responses.map((r) => r.status);

test("a deployment's limit allows exactly N per window, refuses the rest before the upstream, and renews after the window", async () => {
  const deployment = await h.deploy();
  assert.equal((await h.patch(deployment.id, { rateLimit: "5/2s" })).status, 200);
  await atWindowStart(2);
  const before = h.upstream.requestCount.value;
  const first = await burst(`${deployment.path}/`, 8);
  assert.deepEqual(statuses(first), [200, 200, 200, 200, 200, 429, 429, 429]);
  assert.equal(h.upstream.requestCount.value - before, 5, "refused requests never reach the deployment");

  const allowed = first[0];
  assert.match(allowed.headers.get("ratelimit-policy") ?? "", /"deployment";q=5;w=2/);
  assert.match(allowed.headers.get("ratelimit-policy") ?? "", /"user";q=\d+;w=\d+/);
  assert.match(first[4].headers.get("ratelimit") ?? "", /"deployment";r=0;t=\d+/);

  const refused = first[5];
  assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  assert.match(refused.headers.get("ratelimit") ?? "", /"deployment";r=0;t=\d+/);
  assert.match(refused.headers.get("content-type") ?? "", /problem\+json/);
  const problem = await refused.json();
  assert.equal(problem.status, 429);
  assert.match(problem.type, /rate-limited/);

  // Two windows on, the sliding window has forgotten the first burst entirely.
  await atWindowStart(2);
  await atWindowStart(2);
  assert.deepEqual(statuses(await burst(`${deployment.path}/`, 6)), [200, 200, 200, 200, 200, 429]);
});

test("a token bucket allows its burst at once, then refills at its rate", async () => {
  const deployment = await h.deploy();
  assert.equal((await h.patch(deployment.id, { rateLimit: "1/3s", rateLimitAlgorithm: "token", rateLimitBurst: 4 })).status, 200);
  // Three seconds to refill leave room for a stalled machine to send the burst before the next token.
  assert.deepEqual(statuses(await burst(`${deployment.path}/`, 5)), [200, 200, 200, 200, 429]);
  await sleep(3_100);
  assert.equal((await burst(`${deployment.path}/`, 1))[0].status, 200);
});

// The CLI does not depend on how the gateway is served; once per database is enough.
test("an override set with the CLI applies, and `off` returns to the default", { skip: skipUnless({ gateway: "fast" }) }, async () => {
  const deployment = await h.deploy();
  const env = cliEnvironment();
  const set = await runCli(["deployment:update", "--id", deployment.id, "--rate-limit", "3/1m", "--algorithm", "token"], env);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(JSON.parse(set.stdout).rateLimit, "3/60s");
  // The CLI is another process: the app sees the change once its cached lookup expires.
  const policy = async () => (await h.call(`${deployment.path}/`)).headers.get("ratelimit-policy") ?? "";
  await waitFor(async () => (await policy()).includes('"deployment";q=3;'), { timeoutMs: 10_000, intervalMs: 500 });
  // The request that first saw the new limit was its first; two more fit.
  assert.deepEqual(statuses(await burst(`${deployment.path}/`, 3)), [200, 200, 429]);

  const off = await runCli(["deployment:update", "--id", deployment.id, "--rate-limit", "off"], env);
  assert.equal(off.code, 0, off.stderr);
  assert.equal(JSON.parse(off.stdout).rateLimit, null);
  const bad = await runCli(["deployment:update", "--id", deployment.id, "--rate-limit", "fast"], env);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /300\/60s/);
});

test("the settings API refuses malformed limits with a problem naming the field", async () => {
  const deployment = await h.deploy();
  const response = await h.patch(deployment.id, { rateLimit: "lots", rateLimitAlgorithm: "leaky" });
  assert.equal(response.status, 400);
  const problem = await response.json();
  assert.deepEqual(problem.errors.map((e: { path: string }) => e.path).sort(), ["rateLimit", "rateLimitAlgorithm"]);
  const target = await h.patch(deployment.id, { target: "http://elsewhere.example" });
  assert.equal(target.status, 400, "owners cannot move a deployment");
});
