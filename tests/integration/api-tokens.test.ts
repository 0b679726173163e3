import assert from "node:assert/strict";
import { before, test } from "node:test";
import { db } from "@/lib/db";
import { runCli } from "@/testkit/app";
import { type Harness, harness } from "@/testkit/harness";
import { cliEnvironment, currentPass, skipUnless } from "@/testkit/suite";
import type { TestUpstream } from "@/testkit/upstream";
import type { TestUser } from "@/testkit/users";
import { eventually } from "@/testkit/wait";

// The tokens API and the gateway's checks of a token: once per database (the API does not depend on
// how the gateway is served), with a second instance to watch a revocation reach it.
const skip = skipUnless({ gateway: "fast" });

let h: Harness<TestUpstream>;
before(async (t) => {
  if (skip) return;
  h = await harness(t);
});

const tokensApi = (path: string, init: RequestInit & { as?: TestUser } = {}) =>
  fetch(`${h.app}/api/tokens${path}`, {
    ...init,
    headers: { cookie: (init.as ?? h.owner).cookie, "content-type": "application/json", ...(init.headers as Record<string, string>) },
  });

async function createToken(body: Record<string, unknown>, as: TestUser = h.owner): Promise<{ id: string; token: string; prefix: string }> {
  const response = await tokensApi("", { method: "POST", body: JSON.stringify(body), as });
  assert.equal(response.status, 201, await response.clone().text());
  return response.json();
}

const callWith = (token: string, path = `${h.deployment.path}/`, app = h.app) => fetch(`${app}${path}`, { headers: { authorization: `Bearer ${token}` } });

test("a user makes a token, sees it once, and it calls their deployments; the list never shows the secret", { skip }, async () => {
  const created = await createToken({ name: "ci", expiresInDays: 30 });
  assert.match(created.token, /^ght_[A-Za-z0-9_-]{43}$/);
  assert.equal(created.prefix, created.token.slice(0, 8));
  assert.equal((await callWith(created.token)).status, 200);

  const listed = (await (await tokensApi("")).json()) as Record<string, unknown>[];
  const mine = listed.find((token) => token.id === created.id);
  assert.ok(mine);
  assert.equal(mine.token, undefined);
  assert.equal(mine.deployments, null, "all of the user's deployments");
  assert.ok(Date.parse(String(mine.expiresAt)) > Date.now() + 29 * 86_400_000);
  await eventually("last used recorded", async () => (await db().apiToken.findUnique({ where: { id: created.id } }))?.lastUsedAt != null);

  // Another user sees none of it, and cannot revoke it.
  const stranger = await h.newUser();
  assert.deepEqual(await (await tokensApi("", { as: stranger })).json(), []);
  assert.equal((await tokensApi(`/${created.id}`, { method: "DELETE", as: stranger })).status, 404);
});

test("a token scoped to some deployments is refused at the others; an expired one is refused everywhere", { skip }, async () => {
  const other = await h.deploy();
  const scoped = await createToken({ name: "scoped", deploymentIds: [h.deployment.id] });
  assert.equal((await callWith(scoped.token)).status, 200);
  const refused = await callWith(scoped.token, `${other.path}/`);
  assert.equal(refused.status, 403);
  assert.equal(((await refused.json()) as { type: string }).type, "urn:gatehouse:problem:token-out-of-scope");

  const stranger = await h.newUser();
  const theirs = await h.deploy({ owner: stranger });
  const invalid = await tokensApi("", { method: "POST", body: JSON.stringify({ name: "x", deploymentIds: [theirs.id] }) });
  assert.equal(invalid.status, 400);

  const expiring = await createToken({ name: "expiring", expiresInDays: 1 });
  await db().apiToken.update({ where: { id: expiring.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
  // The gateway may hold what it read for 5 s; the expiry itself is compared on every request.
  await eventually("expired token refused", async () => (await callWith(expiring.token)).status === 401, 10_000);
});

test("a revoked token stops at once where it was revoked, at once on another instance sharing Redis, and within seconds on one that does not", {
  skip,
}, async (t) => {
  const [second] = await h.startApps([{}]);
  const created = await createToken({ name: "to-revoke" });
  assert.equal((await callWith(created.token, `${h.deployment.path}/`, second.url)).status, 200);
  assert.equal((await tokensApi(`/${created.id}`, { method: "DELETE" })).status, 204);
  assert.equal((await callWith(created.token)).status, 401);
  if (currentPass()?.redis) assert.equal((await callWith(created.token, `${h.deployment.path}/`, second.url)).status, 401, "told through Redis");
  const revokedAt = Date.now();
  await eventually("revoked on the other instance", async () => (await callWith(created.token, `${h.deployment.path}/`, second.url)).status === 401, 10_000);
  t.diagnostic(`refused by the other instance after ${Date.now() - revokedAt} ms`);
  assert.ok(!((await (await tokensApi("")).json()) as { id: string }[]).some((token) => token.id === created.id));
});

test("bad input to the tokens API gets problems, and a browser on another origin cannot make one", { skip }, async () => {
  for (const body of [{}, { name: "" }, { name: "x", expiresInDays: 0 }, { name: "x", deploymentIds: "all" }]) {
    const response = await tokensApi("", { method: "POST", body: JSON.stringify(body) });
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(response.headers.get("content-type"), "application/problem+json");
  }
  assert.equal((await fetch(`${h.app}/api/tokens`)).status, 401);
  const crossSite = await tokensApi("", {
    method: "POST",
    body: JSON.stringify({ name: "x" }),
    headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
  });
  assert.equal(crossSite.status, 403);
});

test("the CLI makes scoped, expiring tokens, lists them and revokes them", { skip }, async () => {
  const cli = (...args: string[]) => runCli(args, cliEnvironment());
  const made = await cli("token:create", "--owner", h.owner.email, "--name", "from-cli", "--expires", "7", "--deployment", h.deployment.id);
  assert.equal(made.code, 0, made.stderr);
  const created = JSON.parse(made.stdout) as { id: string; token: string; deployments: { id: string }[] };
  assert.deepEqual(
    created.deployments.map((deployment) => deployment.id),
    [h.deployment.id],
  );
  assert.equal((await callWith(created.token)).status, 200);

  const listed = await cli("token:list", "--owner", h.owner.email);
  assert.equal(listed.code, 0, listed.stderr);
  assert.ok((JSON.parse(listed.stdout) as { id: string }[]).some((token) => token.id === created.id));
  assert.doesNotMatch(listed.stdout, new RegExp(created.token));

  const revoked = await cli("token:revoke", "--id", created.id);
  assert.equal(revoked.code, 0, revoked.stderr);
  await eventually("revoked from the CLI", async () => (await callWith(created.token)).status === 401, 10_000);
  const again = await cli("token:revoke", "--id", created.id);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /No active API token/);
  assert.equal((await cli("token:create", "--owner", h.owner.email, "--name", "x", "--expires", "soon")).code, 1);
});
