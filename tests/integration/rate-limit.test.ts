import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runCli } from "@/tests/support/app";
import { appUrl, atWindowStart, newDeployment, newUser, patchDeployment, sleep, type TestUser } from "@/tests/support/fixtures";
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

async function burst(path: string, count: number, cookie = owner.cookie): Promise<Response[]> {
  const responses: Response[] = [];
  for (let i = 0; i < count; i++) responses.push(await fetch(`${app}${path}`, { headers: { cookie } }));
  return responses;
}

const statuses = (responses: Response[]) => responses.map((r) => r.status);

test("a deployment's limit allows exactly N per window, refuses the rest before the upstream, and renews after the window", async () => {
  const deployment = await newDeployment(owner, upstream.url);
  assert.equal((await patchDeployment(owner, deployment.id, { rateLimit: "5/2s" })).status, 200);
  await atWindowStart(2);
  const before = upstream.requestCount.value;
  const first = await burst(`${deployment.path}/`, 8);
  assert.deepEqual(statuses(first), [200, 200, 200, 200, 200, 429, 429, 429]);
  assert.equal(upstream.requestCount.value - before, 5, "refused requests never reach the deployment");

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
  const deployment = await newDeployment(owner, upstream.url);
  assert.equal((await patchDeployment(owner, deployment.id, { rateLimit: "1/3s", rateLimitAlgorithm: "token", rateLimitBurst: 4 })).status, 200);
  // Three seconds to refill leave room for a stalled machine to send the burst before the next token.
  assert.deepEqual(statuses(await burst(`${deployment.path}/`, 5)), [200, 200, 200, 200, 429]);
  await sleep(3_100);
  assert.equal((await burst(`${deployment.path}/`, 1))[0].status, 200);
});

test("an override set with the CLI applies, and `off` returns to the default", { skip: process.env.GATEHOUSE_TEST_GATEWAY_MODE === "route" }, async () => {
  const deployment = await newDeployment(owner, upstream.url);
  const env = process.env.GATEHOUSE_TEST_DATABASE === "embedded" ? { DATABASE_URL: "", GATEHOUSE_DATA_DIR: process.env.GATEHOUSE_DATA_DIR } : {};
  const set = await runCli(["deployment:update", "--id", deployment.id, "--rate-limit", "3/1m", "--algorithm", "token"], env);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(JSON.parse(set.stdout).rateLimit, "3/60s");
  // The CLI is another process: the app sees the change once its cached lookup expires.
  const policy = async () => (await fetch(`${app}${deployment.path}/`, { headers: { cookie: owner.cookie } })).headers.get("ratelimit-policy") ?? "";
  for (let waited = 0; !(await policy()).includes('"deployment";q=3;') && waited < 10_000; waited += 500) await sleep(500);
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
  const deployment = await newDeployment(owner, upstream.url);
  const response = await patchDeployment(owner, deployment.id, { rateLimit: "lots", rateLimitAlgorithm: "leaky" });
  assert.equal(response.status, 400);
  const problem = await response.json();
  assert.deepEqual(problem.errors.map((e: { path: string }) => e.path).sort(), ["rateLimit", "rateLimitAlgorithm"]);
  const target = await patchDeployment(owner, deployment.id, { target: "http://elsewhere.example" });
  assert.equal(target.status, 400, "owners cannot move a deployment");
});
