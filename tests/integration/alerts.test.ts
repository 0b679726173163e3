import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { before, test } from "node:test";
import { claimDueRules } from "@/lib/alerts/evaluation";
import { db } from "@/lib/db";
import { latencyBucket, latencyBucketCount } from "@/lib/request-log/latency";
import { type Harness, harness } from "@/testkit/harness";
import { LoopbackServer } from "@/testkit/loopback-server";
import type { TestUpstream } from "@/testkit/upstream";
import { eventually, sleep } from "@/testkit/wait";
import { WebhookReceiver } from "@/testkit/webhook-receiver";

let h: Harness<TestUpstream>;
before(async (t) => {
  h = await harness(t, { deployment: false });
});

async function createRule(deploymentId: string, rule: Record<string, unknown>, user = h.owner): Promise<Response> {
  return fetch(`${h.app}/api/deployments/${deploymentId}/alerts`, {
    method: "POST",
    headers: { cookie: user.cookie, "content-type": "application/json" },
    body: JSON.stringify(rule),
  });
}

async function newRule(deploymentId: string, rule: Record<string, unknown>): Promise<{ id: string; webhookSecret: string | null }> {
  const response = await createRule(deploymentId, rule);
  assert.equal(response.status, 201, await response.clone().text());
  return response.json();
}

const alertsOf = (ruleId: string) => db().alert.findMany({ where: { ruleId }, orderBy: { at: "asc" } });
const statesOf = async (ruleId: string) => (await alertsOf(ruleId)).map((alert) => alert.state);

/** Evaluations keep running (every 500 ms per rule in tests): wait for several, then check nothing more was recorded. */
const settle = () => sleep(2_000);

function verifySignature(secret: string, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const timestamp = String(headers["x-gatehouse-timestamp"]);
  const expected = `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
  return headers["x-gatehouse-signature"] === expected;
}

test("an error-rate rule fires once while the deployment fails, resolves once when successes dilute it, and signs both webhooks", async () => {
  const receiver = new WebhookReceiver();
  const hook = await receiver.start();
  try {
    const deployment = await h.deploy({ path: "/flaky" });
    const rule = await newRule(deployment.id, { kind: "error_rate", threshold: 20, windowMinutes: 5, webhookUrl: hook });
    assert.match(rule.webhookSecret!, /^whsec_/);

    // 3 failures in 10, never 5 in a row, stay under the breaker's ratio (50 %) but above the rule's 20 %.
    for (let i = 0; i < 10; i++) {
      h.upstream.failing = i % 3 === 0 && i < 9;
      await h.call(`${deployment.path}/`);
    }
    h.upstream.failing = false;
    await eventually("the rule fires", async () => (await statesOf(rule.id)).length === 1);
    await settle();
    assert.deepEqual(await statesOf(rule.id), ["firing"], "one incident notifies once");

    for (let i = 0; i < 30; i++) assert.equal((await h.call(`${deployment.path}/`)).status, 200);
    await eventually("the rule resolves", async () => (await statesOf(rule.id)).length === 2);
    await settle();
    const alerts = await alertsOf(rule.id);
    assert.deepEqual(
      alerts.map((alert) => alert.state),
      ["firing", "ok"],
    );
    assert.ok(alerts[0].value! > 20 && alerts[1].value! <= 20);

    await eventually("both webhooks delivered", async () => (await alertsOf(rule.id)).every((alert) => alert.webhookStatus === "delivered"));
    assert.equal(receiver.received.length, 2);
    for (const [index, delivery] of receiver.received.entries()) {
      assert.ok(verifySignature(rule.webhookSecret!, delivery.headers, delivery.body), "the signature verifies with the secret shown at creation");
      assert.equal(delivery.headers["content-type"], "application/json");
      const payload = JSON.parse(delivery.body);
      assert.equal(payload.id, alerts[index].id);
      assert.equal(payload.state, alerts[index].state);
      assert.equal(payload.rule.id, rule.id);
      assert.equal(payload.rule.kind, "error_rate");
      assert.deepEqual(payload.deployment, { id: deployment.id, name: deployment.name });
      assert.match(payload.message, /error rate/);
      assert.equal(typeof payload.value, "number");
      assert.ok(!Number.isNaN(Date.parse(payload.at)));
    }
    assert.ok(!verifySignature("whsec_wrong", receiver.received[0].headers, receiver.received[0].body));
  } finally {
    receiver.stop();
  }
});

test("a not_running rule fires when the deployment is stopped and resolves when it runs again; a failing webhook is retried until delivered", async () => {
  const receiver = new WebhookReceiver(2);
  const hook = await receiver.start();
  try {
    const deployment = await h.deploy();
    const rule = await newRule(deployment.id, { kind: "not_running", webhookUrl: hook });
    await settle();
    assert.deepEqual(await statesOf(rule.id), [], "a running deployment does not fire");

    assert.equal((await h.patch(deployment.id, { status: "stopped" })).status, 200);
    await eventually("the rule fires", async () => (await statesOf(rule.id)).length === 1);
    await eventually("the webhook is delivered on the third attempt", async () => (await alertsOf(rule.id))[0].webhookStatus === "delivered");
    const [fired] = await alertsOf(rule.id);
    assert.equal(fired.webhookAttempts, 3);
    assert.equal(fired.webhookLastError, null);
    assert.equal(receiver.received.length, 3);
    assert.equal(new Set(receiver.received.map((delivery) => JSON.parse(delivery.body).id)).size, 1, "the same notification each time");

    assert.equal((await h.patch(deployment.id, { status: "running" })).status, 200);
    await eventually("the rule resolves", async () => (await statesOf(rule.id)).length === 2);
    await settle();
    assert.deepEqual(await statesOf(rule.id), ["firing", "ok"]);
  } finally {
    receiver.stop();
  }
});

test("a p95 latency rule fires for a slow deployment", async () => {
  const deployment = await h.deploy();
  const rule = await newRule(deployment.id, { kind: "latency_p95", threshold: 200, windowMinutes: 5 });
  await Promise.all(Array.from({ length: 6 }, () => h.call(`${deployment.path}/slow?ms=400`)));
  await eventually("the rule fires", async () => (await statesOf(rule.id)).length === 1);
  const [alert] = await alertsOf(rule.id);
  assert.ok(alert.value! > 200, `p95 ${alert.value} ms`);
  assert.match(alert.message, /p95 latency/);
});

test("a circuit_open rule fires when the breaker opens", async () => {
  const deployment = await h.deploy({ path: "/flaky" });
  const rule = await newRule(deployment.id, { kind: "circuit_open" });
  h.upstream.failing = true;
  try {
    for (let i = 0; i < 5; i++) assert.equal((await h.call(`${deployment.path}/`)).status, 500);
  } finally {
    h.upstream.failing = false;
  }
  await eventually("the rule fires", async () => (await statesOf(rule.id)).length === 1);
});

test("rules read the per-minute rollups, whoever wrote them", async () => {
  const deployment = await h.deploy();
  const rule = await newRule(deployment.id, { kind: "rate_limited", threshold: 10, windowMinutes: 2 });
  const latencyBuckets = new Array<number>(latencyBucketCount).fill(0);
  latencyBuckets[latencyBucket(3)] = 40;
  const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  await db().requestRollup.create({
    data: {
      deploymentId: deployment.id,
      minute,
      requests: 40,
      status1xx: 0,
      status2xx: 25,
      status3xx: 0,
      status4xx: 15,
      status5xx: 0,
      rateLimited: 15,
      durationMsSum: 120,
      latencyBuckets,
      bytesIn: 0,
      bytesOut: 0,
    },
  });
  await eventually("the rule fires", async () => (await statesOf(rule.id)).length === 1);
  const [alert] = await alertsOf(rule.id);
  assert.ok(alert.value! >= 15);
  assert.equal(alert.userId, h.owner.id);
});

const editRule = (deploymentId: string, ruleId: string, change: Record<string, unknown>, user = h.owner) =>
  fetch(`${h.app}/api/deployments/${deploymentId}/alerts/${ruleId}`, {
    method: "PATCH",
    headers: { cookie: user.cookie, "content-type": "application/json" },
    body: JSON.stringify(change),
  });

test("an edited rule keeps its kind and state, is checked like a new one, resolves when loosened, and a new webhook gets a new secret", async () => {
  const deployment = await h.deploy();
  const rule = await newRule(deployment.id, { kind: "rate_limited", threshold: 10, windowMinutes: 2, webhookUrl: "https://hooks.example.com/a" });
  const storedSecret = async () => (await db().alertRule.findUniqueOrThrow({ where: { id: rule.id } })).webhookSecret;
  assert.equal(await storedSecret(), rule.webhookSecret);
  await db().requestRollup.create({
    data: {
      deploymentId: deployment.id,
      minute: new Date(Math.floor(Date.now() / 60_000) * 60_000),
      requests: 15,
      status1xx: 0,
      status2xx: 0,
      status3xx: 0,
      status4xx: 15,
      status5xx: 0,
      rateLimited: 15,
      durationMsSum: 15,
      latencyBuckets: new Array<number>(latencyBucketCount).fill(0),
      bytesIn: 0,
      bytesOut: 0,
    },
  });
  await eventually("the rule fires", async () => (await statesOf(rule.id)).length === 1);

  for (const [change, field] of [
    [{ threshold: -1 }, "threshold"],
    [{ threshold: null }, "threshold"],
    [{ windowMinutes: 0 }, "windowMinutes"],
    [{ webhookUrl: "ftp://hooks.example.com/a" }, "webhookUrl"],
    [{ kind: "not_running" }, ""],
  ] as const) {
    const response = await editRule(deployment.id, rule.id, change);
    assert.equal(response.status, 400, JSON.stringify(change));
    assert.ok(
      (await response.json()).errors.some((error: { path: string }) => error.path === field),
      JSON.stringify(change),
    );
  }
  const stranger = await h.newUser();
  assert.equal((await editRule(deployment.id, rule.id, { threshold: 20 }, stranger)).status, 404);
  assert.equal((await editRule(deployment.id, "nosuchrule", { threshold: 20 })).status, 404);
  const notJson = await fetch(`${h.app}/api/deployments/${deployment.id}/alerts/${rule.id}`, {
    method: "PATCH",
    headers: { cookie: h.owner.cookie },
    body: "{",
  });
  assert.equal(notJson.status, 400);

  const loosened = await editRule(deployment.id, rule.id, { threshold: 20 });
  assert.equal(loosened.status, 200);
  const view = await loosened.json();
  assert.deepEqual(
    [view.kind, view.threshold, view.windowMinutes, view.webhookUrl, view.webhookSecret],
    ["rate_limited", 20, 2, "https://hooks.example.com/a", null],
  );
  assert.equal(await storedSecret(), rule.webhookSecret, "the same receiver keeps its secret");
  await eventually("the loosened rule resolves", async () => (await statesOf(rule.id)).length === 2);
  const [, resolved] = await alertsOf(rule.id);
  assert.equal(resolved.state, "ok");
  assert.match(resolved.message, /\(threshold 20\)/);

  const moved = await (await editRule(deployment.id, rule.id, { webhookUrl: "https://hooks.example.com/b" })).json();
  assert.match(moved.webhookSecret, /^whsec_/);
  assert.notEqual(moved.webhookSecret, rule.webhookSecret, "a new receiver gets a new secret");
  assert.equal(await storedSecret(), moved.webhookSecret);
  const removed = await (await editRule(deployment.id, rule.id, { webhookUrl: "" })).json();
  assert.deepEqual([removed.webhookUrl, removed.webhookSecret, await storedSecret()], [null, null, null]);

  // Two edits of different fields at once: each writes only its own, so both hold.
  const [condition, webhook] = await Promise.all([
    editRule(deployment.id, rule.id, { windowMinutes: 7 }),
    editRule(deployment.id, rule.id, { webhookUrl: "https://hooks.example.com/c" }),
  ]);
  const { webhookSecret } = await webhook.json();
  assert.equal(condition.status, 200);
  const stored = await db().alertRule.findUniqueOrThrow({ where: { id: rule.id } });
  assert.deepEqual([stored.windowMinutes, stored.threshold, stored.webhookUrl, stored.webhookSecret], [7, 20, "https://hooks.example.com/c", webhookSecret]);
});

test("notifications: listed newest first with an unread count, and marked read", async () => {
  const user = await h.newUser();
  const deployment = await h.deploy({ owner: user });
  const response = await createRule(deployment.id, { kind: "not_running" }, user);
  assert.equal(response.status, 201);
  assert.equal((await h.patch(deployment.id, { status: "stopped" }, { as: user })).status, 200);
  const list = async () => (await fetch(`${h.app}/api/alerts`, { headers: { cookie: user.cookie } })).json();
  await eventually("the notification is listed", async () => (await list()).alerts.length === 1);
  const { unread, alerts } = await list();
  assert.equal(unread, 1);
  assert.equal(alerts[0].state, "firing");
  assert.equal(alerts[0].deploymentName, deployment.name);

  const page = await (await fetch(`${h.app}/dashboard/alerts`, { headers: { cookie: user.cookie } })).text();
  assert.match(page, new RegExp(`${deployment.name}: deployment is not running`));
  assert.match(page, /data-testid="unread-count"[^>]*>1</);

  const marked = await fetch(`${h.app}/api/alerts/read`, { method: "POST", headers: { cookie: user.cookie, "content-type": "application/json" }, body: "{}" });
  assert.deepEqual(await marked.json(), { marked: 1 });
  assert.equal((await list()).unread, 0);
  assert.equal((await fetch(`${h.app}/api/alerts`)).status, 401);
});

test("rule input errors are 400 problems naming the field; other users' deployments are 404; rules can be listed and deleted", async () => {
  const deployment = await h.deploy();
  for (const [input, field] of [
    [{ kind: "error_rate" }, "threshold"],
    [{ kind: "error_rate", threshold: 150 }, "threshold"],
    [{ kind: "latency_p95", threshold: 100, windowMinutes: 0 }, "windowMinutes"],
    [{ kind: "not_running", webhookUrl: "javascript:alert(1)" }, "webhookUrl"],
    [{ kind: "whenever" }, "kind"],
  ] as const) {
    const response = await createRule(deployment.id, input);
    assert.equal(response.status, 400);
    assert.equal(response.headers.get("content-type"), "application/problem+json");
    const problem = await response.json();
    assert.equal(problem.type, "urn:gatehouse:problem:invalid-input");
    assert.ok(
      problem.errors.some((error: { path: string }) => error.path === field),
      `${JSON.stringify(input)}: ${problem.detail}`,
    );
  }
  const notJson = await fetch(`${h.app}/api/deployments/${deployment.id}/alerts`, { method: "POST", headers: { cookie: h.owner.cookie }, body: "{" });
  assert.equal(notJson.status, 400);

  const stranger = await h.newUser();
  const foreign = await createRule(deployment.id, { kind: "not_running" }, stranger);
  assert.equal(foreign.status, 404);
  assert.equal((await foreign.json()).type, "urn:gatehouse:problem:deployment-not-found");

  const rule = await newRule(deployment.id, { kind: "not_running" });
  assert.equal(rule.webhookSecret, null, "no webhook, no secret");
  const listed = await (await fetch(`${h.app}/api/deployments/${deployment.id}/alerts`, { headers: { cookie: h.owner.cookie } })).json();
  assert.deepEqual(
    listed.map((r: { id: string }) => r.id),
    [rule.id],
  );
  assert.ok(!("webhookSecret" in listed[0]), "the secret is never listed");
  const strangerDelete = await fetch(`${h.app}/api/deployments/${deployment.id}/alerts/${rule.id}`, { method: "DELETE", headers: { cookie: stranger.cookie } });
  assert.equal(strangerDelete.status, 404);
  const deleted = await fetch(`${h.app}/api/deployments/${deployment.id}/alerts/${rule.id}`, { method: "DELETE", headers: { cookie: h.owner.cookie } });
  assert.equal(deleted.status, 204);
  assert.equal(await db().alertRule.count({ where: { id: rule.id } }), 0);
});

test("concurrent claims hand a due rule to exactly one evaluator", async () => {
  const deployment = await h.deploy();
  const rule = await newRule(deployment.id, { kind: "not_running" });
  let sawOne = false;
  // The app's own jobs claim too: a round they win shows 0 claims here; no round may ever show 2.
  for (let round = 0; round < 10 && !sawOne; round++) {
    await db().alertRule.update({ where: { id: rule.id }, data: { evaluatedAt: null } });
    const claims = await Promise.all(Array.from({ length: 4 }, () => claimDueRules(3_600_000)));
    const mine = claims.flat().filter((id) => id === rule.id).length;
    assert.ok(mine <= 1, `claimed ${mine} times at once`);
    sawOne = mine === 1;
  }
  assert.ok(sawOne, "some round claimed the rule");
});

test("a deployment holds at most ALERTS_MAX_RULES_PER_DEPLOYMENT rules (20): the next is a 409 problem", async () => {
  const deployment = await h.deploy();
  for (let rule = 0; rule < 20; rule++) await newRule(deployment.id, { kind: "not_running" });
  const refused = await createRule(deployment.id, { kind: "not_running" });
  assert.equal(refused.status, 409);
  assert.equal(((await refused.json()) as { type: string }).type, "urn:gatehouse:problem:too-many-alert-rules");
});

test("claims take users in turns: one user's many overdue rules do not push another user's rule out of a claim", async () => {
  const [busy, quiet] = [await h.newUser(), await h.newUser()];
  const busyRules: string[] = [];
  for (const deployment of [await h.deploy({ owner: busy }), await h.deploy({ owner: busy })]) {
    for (let rule = 0; rule < 15; rule++) {
      const response = await createRule(deployment.id, { kind: "not_running" }, busy);
      busyRules.push(((await response.json()) as { id: string }).id);
    }
  }
  const quietRule = ((await (await createRule((await h.deploy({ owner: quiet })).id, { kind: "not_running" }, quiet)).json()) as { id: string }).id;
  let sawFullClaim = false;
  // The app's own jobs claim too: a round they win leaves this claim short, and proves nothing.
  for (let round = 0; round < 10 && !sawFullClaim; round++) {
    // Every busy rule overdue longer than the quiet one: by age alone, the quiet rule would come last.
    await db().alertRule.updateMany({ where: { id: { in: busyRules } }, data: { evaluatedAt: new Date("2000-01-01T00:00:00Z") } });
    await db().alertRule.update({ where: { id: quietRule }, data: { evaluatedAt: new Date("2000-01-02T00:00:00Z") } });
    const claimed = await claimDueRules(3_600_000, 5);
    if (claimed.length < 5) continue;
    sawFullClaim = true;
    assert.ok(claimed.includes(quietRule), "the quiet user's rule is in the first claim");
  }
  assert.ok(sawFullClaim, "some round claimed five rules");
  await db().alertRule.deleteMany({ where: { id: { in: [...busyRules, quietRule] } } });
});

test("a slow webhook receiver gets at most ALERTS_WEBHOOKS_PER_DESTINATION (4) deliveries at once, and holds up no one else's", async () => {
  let open = 0;
  let mostOpen = 0;
  let delivered = 0;
  // Answers each delivery after a second and a half: slow, but inside the tests' 2 s webhook timeout.
  const slow = new LoopbackServer(
    createServer(async (request, response) => {
      open++;
      mostOpen = Math.max(mostOpen, open);
      for await (const _ of request);
      await sleep(1_500);
      open--;
      delivered++;
      response.writeHead(204).end();
    }),
  );
  const fast = new WebhookReceiver();
  const [slowHook, fastHook] = [`${await slow.start()}/hook`, await fast.start()];
  try {
    const crowded = await h.deploy();
    for (let rule = 0; rule < 10; rule++) await newRule(crowded.id, { kind: "not_running", webhookUrl: slowHook });
    const other = await h.deploy();
    await newRule(other.id, { kind: "not_running", webhookUrl: fastHook });
    assert.equal((await h.patch(crowded.id, { status: "stopped" })).status, 200);
    await eventually("the slow receiver is busy", () => open > 0);
    assert.equal((await h.patch(other.id, { status: "stopped" })).status, 200);
    await eventually("the other receiver gets its delivery", () => fast.received.length === 1);
    assert.ok(delivered < 10, `delivered while the slow receiver still had a queue (${delivered} of 10 done there)`);
    await eventually("every slow delivery arrives", () => delivered === 10, 30_000);
    assert.ok(mostOpen <= 4 && mostOpen > 1, `at most 4 at once, and more than one (${mostOpen})`);
  } finally {
    slow.stop();
    fast.stop();
  }
});
