import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import bcrypt from "bcryptjs";
import { db } from "@/lib/db";
import { accountForProvider } from "@/lib/users/accounts";
import { harness } from "@/testkit/harness";
import { signIn } from "@/testkit/session";
import { skipUnless } from "@/testkit/suite";
import { eventually } from "@/testkit/wait";

// Apps of its own with small limits: once, on the PostgreSQL fast-path run.
const skip = skipUnless({ database: "postgres", gateway: "fast" });

/** An address of this run's own, so a limiter that outlives the run (Redis) starts from zero. */
const freshAddress = () => `2001:db8::${randomUUID().slice(0, 4)}:${randomUUID().slice(0, 4)}`;

/** Addresses from X-Forwarded-For; a loaded machine's slow Redis answer must not turn into the fail-open policy. */
const patientLimits = { GATEWAY_TRUSTED_PROXIES: "1", GATEWAY_RATE_LIMIT_TIMEOUT_MS: "10000" };

function attemptSignIn(app: string, email: string, address: string): Promise<Response> {
  return fetch(`${app}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": address },
    body: new URLSearchParams({ email, password: "wrong password", csrfToken: "x", json: "true" }),
  });
}

test("password sign-in attempts are limited per address and per account, with 429 and Retry-After", { skip }, async (t) => {
  const { app } = await harness(t, {
    upstream: null,
    apps: [{ ...patientLimits, AUTH_RATE_LIMIT_ADDRESS: "4/1m", AUTH_RATE_LIMIT_ACCOUNT: "3/1m" }],
  });
  const address = freshAddress();
  const spread = [];
  for (let attempt = 0; attempt < 5; attempt++) spread.push((await attemptSignIn(app, `nobody-${randomUUID()}@example.test`, address)).status);
  assert.deepEqual(
    spread.map((status) => status === 429),
    [false, false, false, false, true],
    `one address, many accounts: ${spread}`,
  );

  const email = `target-${randomUUID()}@example.test`;
  const focused = [];
  for (let attempt = 0; attempt < 4; attempt++) focused.push(await attemptSignIn(app, email, freshAddress()));
  assert.deepEqual(
    focused.map((response) => response.status === 429),
    [false, false, false, true],
    "one account, many addresses",
  );
  const refused = focused[3];
  assert.ok(Number(refused.headers.get("retry-after")) > 0);
  assert.match(refused.headers.get("content-type") ?? "", /problem\+json/);
});

test("sign-ups are limited per address", { skip }, async (t) => {
  const { app } = await harness(t, { upstream: null, apps: [{ ...patientLimits, SIGNUP_RATE_LIMIT_ADDRESS: "2/1m" }] });
  const address = freshAddress();
  const statuses = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const response = await fetch(`${app}/api/signup`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": address },
      body: JSON.stringify({ email: `signup-${randomUUID()}@example.test`, password: "a fine password" }),
    });
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, [202, 202, 429]);
});

test("a password hashed by the old bcrypt scheme signs in and is replaced by a scrypt hash", async (t) => {
  const h = await harness(t, { upstream: null });
  const email = `legacy-${randomUUID()}@example.test`;
  await db().user.create({ data: { email, passwordHash: await bcrypt.hash("an old password", 4) } });
  assert.ok(await signIn(h.app, email, "an old password"));
  const stored = await db().user.findUniqueOrThrow({ where: { email }, select: { passwordHash: true } });
  assert.match(stored.passwordHash ?? "", /^scrypt\$/);
  assert.ok(await signIn(h.app, email, "an old password"), "the new hash verifies");
  await assert.rejects(signIn(h.app, email, "a wrong password"), /Sign-in failed/);
});

test("a provider account signs in as the user it first created, and never merges into an account by email", async () => {
  const email = `provider-${randomUUID()}@example.test`;
  const github = { provider: "github", providerAccountId: randomUUID(), email, emailVerified: true, name: "Ada" };
  const first = await accountForProvider(github);
  assert.ok(typeof first === "object", "a verified new email makes a user");
  assert.deepEqual(await accountForProvider({ ...github, email: "changed@example.test" }), first, "the link, not the email, decides");

  assert.equal(
    await accountForProvider({ provider: "google", providerAccountId: randomUUID(), email, emailVerified: true, name: null }),
    "OAuthAccountNotLinked",
  );
  const squatted = `squatted-${randomUUID()}@example.test`;
  await db().user.create({ data: { email: squatted, passwordHash: "scrypt$x" } });
  assert.equal(
    await accountForProvider({ provider: "github", providerAccountId: randomUUID(), email: squatted, emailVerified: true, name: null }),
    "OAuthAccountNotLinked",
    "a sign-up that took someone's address cannot receive their provider sign-in",
  );
  assert.equal(
    await accountForProvider({
      provider: "google",
      providerAccountId: randomUUID(),
      email: `new-${randomUUID()}@example.test`,
      emailVerified: false,
      name: null,
    }),
    "EmailUnverified",
  );
});

test("a deleted user's session, API token and deployments stop working on the hub and the gateway within the cache times", { skip }, async (t) => {
  const h = await harness(t);
  const token = await h.apiToken();
  assert.equal((await h.call(`${h.deployment.path}/`, { cookie: "", headers: { authorization: `Bearer ${token}` } })).status, 200);
  assert.equal((await h.call("/api/tokens")).status, 200);
  await db().user.delete({ where: { id: h.owner.id } });
  await eventually(
    "the API token stops",
    async () => (await h.call(`${h.deployment.path}/`, { cookie: "", headers: { authorization: `Bearer ${token}` } })).status === 401,
  );
  await eventually("the session reaches no deployment", async () => (await h.call(`${h.deployment.path}/`)).status === 404);
  await eventually("the hub takes the session for none", async () => (await h.call("/api/tokens")).status === 401, 40_000);
});
