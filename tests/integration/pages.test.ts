import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import { testMetricsToken } from "@/testkit/app";
import { type Harness, harness } from "@/testkit/harness";
import { signIn } from "@/testkit/session";
import { currentPass } from "@/testkit/suite";

let h: Harness<null>;
before(async (t) => {
  h = await harness(t, { upstream: null });
});

test("the dashboard sends visitors without a session to sign-in and back", async () => {
  const response = await fetch(`${h.app}/dashboard`, { redirect: "manual" });
  assert.equal(response.status, 307);
  const location = new URL(response.headers.get("location")!, h.app);
  assert.equal(location.origin, h.app, "the host the browser used");
  assert.equal(location.pathname + location.search, "/signin?callbackUrl=%2Fdashboard");
});

test("the dashboard lists the signed-in user's deployments with their gateway links, and only theirs", async () => {
  const mine = await h.deploy({ target: "http://127.0.0.1:9" });
  const theirs = await h.deploy({ owner: await h.newUser(), target: "http://127.0.0.1:9" });
  const html = await (await fetch(`${h.app}/dashboard`, { headers: { cookie: h.owner.cookie } })).text();
  assert.match(html, new RegExp(mine.name));
  assert.match(html, new RegExp(`${mine.path}/`));
  assert.doesNotMatch(html, new RegExp(theirs.name));
});

test("a deployment's page says it is served on the hub's origin, where only trusted apps belong", async () => {
  const mine = await h.deploy({ target: "http://127.0.0.1:9" });
  const html = await (await fetch(`${h.app}/dashboard/deployments/${mine.id}`, { headers: { cookie: h.owner.cookie } })).text();
  assert.match(html, /data-testid="same-origin-note"/);
  assert.match(html, /deploy only apps you trust here/);
});

test("an empty dashboard explains how deployments appear", async () => {
  const html = await (await fetch(`${h.app}/dashboard`, { headers: { cookie: (await h.newUser()).cookie } })).text();
  assert.match(html, /No deployments yet/);
});

test("the liveness endpoint answers without a session", async () => {
  const response = await fetch(`${h.app}/api/health/live`, { redirect: "manual" });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: "ok" });
});

test("sign-in, sign-up and sign-out pages render", async () => {
  for (const [path, text] of [
    ["/signin", "Sign in"],
    ["/signup", "Create an account"],
    ["/signout", "Sign out"],
  ]) {
    const response = await fetch(`${h.app}${path}`);
    assert.equal(response.status, 200, path);
    assert.match(await response.text(), new RegExp(text), path);
  }
});

test("sign-up creates an account that can sign in; a taken email gets the same answer and changes nothing; bad input gets problems", async () => {
  const email = `signup-${randomUUID()}@example.test`;
  const post = (body: unknown) => fetch(`${h.app}/api/signup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const created = await post({ email, password: "a fine password" });
  assert.equal(created.status, 202);
  assert.ok(await signIn(h.app, email, "a fine password"));

  const duplicate = await post({ email: email.toUpperCase(), password: "another password" });
  assert.equal(duplicate.status, 202, "a taken email is not told apart by the answer");
  assert.deepEqual(await duplicate.json(), await created.json());
  assert.ok(await signIn(h.app, email, "a fine password"), "the owner's password still works");
  await assert.rejects(signIn(h.app, email, "another password"), /Sign-in failed/, "and the newcomer's does not");

  const invalid = await post({ email: "nope", password: "x" });
  assert.equal(invalid.status, 400);
  const problem = await invalid.json();
  assert.deepEqual(problem.errors.map((e: { path: string }) => e.path).sort(), ["email", "password"]);
});

test("a wrong password gives no session", async () => {
  await assert.rejects(signIn(h.app, h.owner.email, "wrong password"), /Sign-in failed/);
});

test("readiness tells anyone ready or not, and operators the database, migrations and (when configured) Redis", async () => {
  const anonymous = await fetch(`${h.app}/api/health/ready`);
  assert.equal(anonymous.status, 200);
  assert.deepEqual(await anonymous.json(), { status: "ready" });
  const response = await fetch(`${h.app}/api/health/ready`, { headers: { authorization: `Bearer ${testMetricsToken}` } });
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.status, "ready");
  assert.deepEqual(body.checks.database, { ok: true });
  assert.deepEqual(body.checks.migrations, { ok: true });
  if (currentPass()?.redis) assert.deepEqual(body.checks.redis, { ok: true });
});

test("static files: the favicon and brand mark the pages use, and robots.txt keeping the gateway and dashboard out of search engines", async () => {
  const favicon = await fetch(`${h.app}/favicon.ico`);
  assert.equal(favicon.status, 200);
  assert.deepEqual([...new Uint8Array(await favicon.arrayBuffer()).subarray(0, 4)], [0, 0, 1, 0], "an ICO file");
  const signInPage = await (await fetch(`${h.app}/signin`)).text();
  assert.match(signInPage, /<link rel="icon" href="\/favicon\.ico[^"]*"/);
  assert.match(signInPage, /src="\/brand\.svg"/);
  const brand = await fetch(`${h.app}/brand.svg`);
  assert.equal(brand.status, 200);
  assert.match(brand.headers.get("content-type") ?? "", /image\/svg\+xml/);
  const robots = await (await fetch(`${h.app}/robots.txt`)).text();
  assert.match(robots, /^Disallow: \/api\/$/m);
  assert.match(robots, /^Disallow: \/dashboard$/m);
});

test("hub pages and APIs forbid framing and sniffing; a deployment's answers keep their own policies", async () => {
  for (const path of ["/", "/signin", "/api/health/live"]) {
    const response = await fetch(`${h.app}${path}`, { redirect: "manual" });
    assert.match(response.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/, path);
    assert.equal(response.headers.get("x-frame-options"), "DENY", path);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff", path);
  }
  const deployment = await h.deploy({ target: "http://127.0.0.1:9" });
  const gateway = await fetch(`${h.app}${deployment.path}/`, { headers: { cookie: h.owner.cookie } });
  assert.equal(gateway.status, 502);
  assert.equal(gateway.headers.get("content-security-policy"), null);
  assert.equal(gateway.headers.get("x-frame-options"), null);
});

test("hub pages allow only scripts carrying this response's nonce, which every script Next writes carries", async () => {
  const nonces: string[] = [];
  for (const [path, cookie] of [
    ["/signin", ""],
    ["/signin", ""],
    ["/dashboard", h.owner.cookie],
  ]) {
    const response = await fetch(`${h.app}${path}`, { headers: { cookie } });
    assert.equal(response.status, 200, path);
    const policies = response.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)' 'strict-dynamic'/.exec(policies)?.[1];
    assert.ok(nonce, `${path}: ${policies}`);
    nonces.push(nonce);
    const html = await response.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.ok(scripts.length > 0, path);
    for (const script of scripts) assert.ok(script.includes(`nonce="${nonce}"`), `${path}: ${script}`);
  }
  assert.equal(new Set(nonces).size, nonces.length, "a fresh nonce per response");
});

test("the settings API never sends the owner's browser the deployment's internal address", async () => {
  const internal = "http://10.20.30.40:8081";
  const deployment = await h.deploy({ target: internal });
  const response = await h.patch(deployment.id, { rateLimit: "100/1m" });
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.doesNotMatch(text, /10\.20\.30\.40/);
  const shown = JSON.parse(text);
  assert.equal(shown.rateLimit, "100/60s");
  assert.equal(shown.target, undefined);
});
