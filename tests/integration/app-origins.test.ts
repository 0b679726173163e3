import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { before, test } from "node:test";
import WebSocket from "ws";
import { db, pool } from "@/lib/db";
import { freePort, type RunningApp } from "@/testkit/app";
import { type Harness, harness } from "@/testkit/harness";
import { type HostAnswer, hostRequest } from "@/testkit/host-request";
import { currentPass, skipUnless } from "@/testkit/suite";
import type { Echo, TestUpstream } from "@/testkit/upstream";
import type { TestDeployment, TestUser } from "@/testkit/users";
import { clearOfWindowEnd, eventually } from "@/testkit/wait";
import { WebSocketUpstream } from "@/testkit/websocket-upstream";

// Two instances with isolated app origins on *.apps.localhost, sharing this pass's database (and Redis on
// the PostgreSQL pass): once per database. Requests name their host as a browser would (testkit/host-request.ts).
const skip = skipUnless({ gateway: "fast" });

const appsDomain = "apps.localhost";
let h: Harness<TestUpstream>;
let first: RunningApp;
let second: RunningApp;
let hubHost: string;
let publicUrl: string;

before(async (t) => {
  if (skip) return;
  const port = await freePort();
  hubHost = `localhost:${port}`;
  publicUrl = `http://${hubHost}`;
  const shared = { GATEHOUSE_PUBLIC_URL: publicUrl, GATEHOUSE_APPS_DOMAIN: appsDomain };
  h = await harness(t, { apps: [{ ...shared, PORT: String(port) }, shared] });
  [first, second] = h.apps;
});

const appHost = (deployment: { id: string }) => `${deployment.id}.${appsDomain}:${new URL(publicUrl).port}`;
const navigation = { accept: "text/html,application/xhtml+xml" };

/** The hub's handoff for `owner`, followed to the code it redirects to on the deployment's origin. */
async function handoffCode(deployment: { id: string }, returnPath: string, owner: TestUser = h.owner, app = first): Promise<string> {
  const started = await hostRequest(app.url, hubHost, `/app-handoff?${new URLSearchParams({ deployment: deployment.id, path: returnPath })}`, {
    headers: { cookie: owner.cookie, ...navigation },
  });
  assert.equal(started.status, 303, started.body);
  const location = new URL(String(started.headers.location));
  assert.equal(location.origin, `http://${appHost(deployment)}`);
  assert.equal(location.pathname, "/__gatehouse/handoff");
  return location.searchParams.get("code") ?? "";
}

const redeem = (deployment: { id: string }, code: string, app = first) =>
  hostRequest(app.url, appHost(deployment), `/__gatehouse/handoff?code=${encodeURIComponent(code)}`, { headers: navigation });

/** The app session cookie (name=value) a redemption set. */
function appCookie(answer: HostAnswer): string {
  const cookie = (answer.headers["set-cookie"] ?? []).find((line) => line.startsWith("gatehouse-app="));
  assert.ok(cookie, `no app session cookie in ${JSON.stringify(answer.headers["set-cookie"])}`);
  return cookie.split(";")[0];
}

async function signedInToApp(deployment: TestDeployment, owner: TestUser = h.owner): Promise<string> {
  return appCookie(await redeem(deployment, await handoffCode(deployment, "/", owner)));
}

test("a handoff signs the browser in on the app origin, where the whole path is the deployment's", { skip }, async () => {
  const code = await handoffCode(h.deployment, "/echo/a%20b?x=1&y=2");
  const redeemed = await redeem(h.deployment, code);
  assert.equal(redeemed.status, 303);
  assert.equal(redeemed.headers.location, "/echo/a%20b?x=1&y=2");
  const setCookie = (redeemed.headers["set-cookie"] ?? []).join("\n");
  assert.match(setCookie, /^gatehouse-app=[^;]+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/m);
  assert.doesNotMatch(setCookie, /Domain=/i);

  const cookie = `${appCookie(redeemed)}; other=kept`;
  const answer = await hostRequest(first.url, appHost(h.deployment), "/echo/a%20b?x=1&y=2", { headers: { cookie } });
  assert.equal(answer.status, 200, answer.body);
  const echo = JSON.parse(answer.body) as Echo;
  assert.equal(echo.url, "/echo/a%20b?x=1&y=2");
  assert.equal(echo.headers["x-forwarded-prefix"], undefined);
  assert.equal(echo.headers["x-forwarded-host"], appHost(h.deployment));
  assert.equal(echo.headers["x-gatehouse-user-id"], h.owner.id);
  assert.equal(echo.headers.cookie, "other=kept", "the app session never reaches the deployment");

  // The code was issued by the first instance; the second redeems a new one just as well (shared database).
  const elsewhere = await redeem(h.deployment, await handoffCode(h.deployment, "/"), second);
  assert.equal(elsewhere.status, 303);
  assert.equal((await hostRequest(second.url, appHost(h.deployment), "/", { headers: { cookie: appCookie(elsewhere) } })).status, 200);
});

test("a code is single use, bound to its deployment, and dead after 60 seconds", { skip }, async () => {
  const code = await handoffCode(h.deployment, "/");
  assert.equal((await redeem(h.deployment, code, second)).status, 303);
  const replayed = await redeem(h.deployment, code, first);
  assert.equal(replayed.status, 403);
  assert.match(String(replayed.headers["content-type"]), /text\/html/);
  assert.equal(replayed.headers["set-cookie"], undefined);

  const other = await h.deploy();
  const misdirected = await redeem(other, await handoffCode(h.deployment, "/"));
  assert.equal(misdirected.status, 403);
  assert.equal(misdirected.headers["set-cookie"], undefined);

  // A code issued 61 seconds ago (written as the hub writes one: only its hash is stored).
  const stale = "stale-code-for-the-test-0123456789";
  await pool().query(
    `insert into "AppHandoffCode" ("codeHash", "userId", "deploymentId", "returnPath", "sessionExpiresAt", "expiresAt")
     values ($1, $2, $3, '/', now() + interval '1 hour', now() - interval '1 second')`,
    [createHash("sha256").update(stale).digest("base64url"), h.owner.id, h.deployment.id],
  );
  assert.equal((await redeem(h.deployment, stale)).status, 403);
  assert.equal((await redeem(h.deployment, "")).status, 403);
  assert.equal((await hostRequest(first.url, appHost(h.deployment), "/__gatehouse/handoff?code=x", { method: "POST" })).status, 405);
  assert.equal((await hostRequest(first.url, appHost(h.deployment), "/__gatehouse/other")).status, 404);
});

test("the handoff returns only to a path on the app's origin, and only for the deployment's owner", { skip }, async () => {
  for (const path of ["//evil.example/", "/\\evil.example", "https://evil.example/", "/\t/evil.example", "evil"]) {
    const answer = await hostRequest(first.url, hubHost, `/app-handoff?${new URLSearchParams({ deployment: h.deployment.id, path })}`, {
      headers: { cookie: h.owner.cookie, ...navigation },
    });
    assert.equal(answer.status, 400, `${JSON.stringify(path)}: ${answer.status}`);
    assert.equal(answer.headers.location, undefined);
    assert.match(answer.body, /<h1>Invalid input<\/h1>/);
  }
  const stranger = await h.newUser();
  const refused = await hostRequest(first.url, hubHost, `/app-handoff?deployment=${h.deployment.id}&path=/`, {
    headers: { cookie: stranger.cookie, ...navigation },
  });
  assert.equal(refused.status, 404);
  assert.equal(refused.headers.location, undefined);

  const signedOut = await hostRequest(first.url, hubHost, `/app-handoff?deployment=${h.deployment.id}&path=/x`, { headers: navigation });
  assert.equal(signedOut.status, 303);
  assert.equal(signedOut.headers.location, `/signin?callbackUrl=${encodeURIComponent(`/app-handoff?deployment=${h.deployment.id}&path=%2Fx`)}`);
});

test("without an app session a navigation goes to the hub's handoff and anything else gets 401; hub cookies count for nothing there", { skip }, async () => {
  const host = appHost(h.deployment);
  const navigated = await hostRequest(first.url, host, "/dashboard?tab=1", { headers: navigation });
  assert.equal(navigated.status, 303);
  assert.equal(navigated.headers.location, `${publicUrl}/app-handoff?${new URLSearchParams({ deployment: h.deployment.id, path: "/dashboard?tab=1" })}`);
  for (const path of ["/api/auth/session", "/api/deployments", "/dashboard"]) {
    const answer = await hostRequest(first.url, host, path, { headers: { cookie: h.owner.cookie } });
    assert.equal(answer.status, 401, `${path} with the hub's cookie`);
    assert.equal(answer.headers["content-type"], "application/problem+json");
  }
  // Another deployment's cookie, copied to this host, is refused.
  const other = await h.deploy();
  const othersCookie = await signedInToApp(other);
  assert.equal((await hostRequest(first.url, host, "/", { headers: { cookie: othersCookie } })).status, 401);
  assert.equal((await hostRequest(first.url, appHost(other), "/", { headers: { cookie: othersCookie } })).status, 200);
  // A cookie someone altered is refused.
  // A character well inside the signature (the last one of base64url carries bits a decoder ignores).
  const at = othersCookie.length - 10;
  const tampered = `${othersCookie.slice(0, at)}${othersCookie[at] === "A" ? "B" : "A"}${othersCookie.slice(at + 1)}`;
  assert.equal((await hostRequest(first.url, appHost(other), "/", { headers: { cookie: tampered } })).status, 401);

  // API tokens work on app origins too; hosts under the apps domain that name no deployment are not found.
  const token = await h.apiToken();
  assert.equal((await hostRequest(first.url, host, "/", { headers: { authorization: `Bearer ${token}` } })).status, 200);
  assert.equal((await hostRequest(first.url, `${appsDomain}:1`, "/", { headers: navigation })).status, 404);
  assert.equal((await hostRequest(first.url, `a.b.${appsDomain}`, "/", { headers: navigation })).status, 404);
  // Someone else's session for this deployment does not exist: a stranger's handoff was refused above.
});

test("on the hub, the seed URL sends a browser session to the app origin and refuses it anything else; API tokens are served there", { skip }, async () => {
  const seed = `${h.deployment.path}/some/page?q=1`;
  const navigated = await hostRequest(first.url, hubHost, seed, { headers: { cookie: h.owner.cookie, ...navigation } });
  assert.equal(navigated.status, 303);
  assert.equal(navigated.headers.location, `/app-handoff?${new URLSearchParams({ deployment: h.deployment.id, path: "/some/page?q=1" })}`);

  const fetched = await hostRequest(first.url, hubHost, seed, { headers: { cookie: h.owner.cookie } });
  assert.equal(fetched.status, 403);
  assert.match(fetched.body, /app-origin-only/);
  assert.ok(fetched.body.includes(`http://${appHost(h.deployment)}`));

  const token = await h.apiToken();
  const program = await hostRequest(first.url, hubHost, seed, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(program.status, 200);
  assert.equal((JSON.parse(program.body) as Echo).headers["x-forwarded-prefix"], h.deployment.path);
});

test("on an app origin the deployment's cookies keep their Path and lose Domain, __Host- cookies work, and Location maps to the origin", { skip }, async () => {
  const cookie = await signedInToApp(h.deployment);
  const host = appHost(h.deployment);
  const origin = await hostRequest(first.url, host, "/origin-wide", { headers: { cookie } });
  assert.equal(origin.status, 200);
  assert.deepEqual(origin.headers["set-cookie"], ["__Host-session=1; Path=/; Secure", "near=1; Path=/basex"]);
  assert.equal(origin.headers["service-worker-allowed"], "/", "the whole origin is the deployment's");
  assert.equal(origin.headers["clear-site-data"], '"cookies", "storage"');

  const cookies = await hostRequest(first.url, host, "/cookies", { headers: { cookie } });
  assert.deepEqual(cookies.headers["set-cookie"], ["plain=1", "scoped=2; Path=/account; HttpOnly", "based=3; Path=/base/area"]);

  const redirected = await hostRequest(first.url, host, `/redirect?to=${encodeURIComponent(`${h.upstream.url}/next?a=1`)}`, { headers: { cookie } });
  assert.equal(redirected.status, 302);
  assert.equal(redirected.headers.location, "/next?a=1");
});

test("event streams and uploads pass on app origins, and the request log says which way each request came", { skip }, async () => {
  const cookie = await signedInToApp(h.deployment);
  const host = appHost(h.deployment);
  const stream = await hostRequest(first.url, host, "/sse?count=3", { headers: { cookie, "x-request-id": "app-origin-sse-0001" } });
  assert.equal(stream.status, 200);
  assert.match(stream.body, /data: event 3/);
  const upload = "x".repeat(200_000);
  const posted = await hostRequest(first.url, host, "/upload", {
    method: "POST",
    body: upload,
    headers: { cookie, "content-type": "text/plain", "x-request-id": "app-origin-post-0001" },
  });
  assert.equal((JSON.parse(posted.body) as Echo).bytes, upload.length);
  const token = await h.apiToken();
  await hostRequest(first.url, hubHost, `${h.deployment.path}/`, { headers: { authorization: `Bearer ${token}`, "x-request-id": "gateway-path-0001" } });

  const rows = () => db().requestLog.findMany({ where: { requestId: { in: ["app-origin-sse-0001", "app-origin-post-0001", "gateway-path-0001"] } } });
  await eventually("three rows", async () => (await rows()).length === 3);
  const via = Object.fromEntries((await rows()).map((row) => [row.requestId, [row.via, row.path, row.deploymentId]]));
  assert.deepEqual(via, {
    "app-origin-sse-0001": ["app-origin", "/sse", h.deployment.id],
    "app-origin-post-0001": ["app-origin", "/upload", h.deployment.id],
    "gateway-path-0001": ["gateway-path", "/", h.deployment.id],
  });
});

test("signing out of the hub ends the user's app sessions, at once on every instance sharing Redis", { skip }, async () => {
  const user = await h.newUser();
  const deployment = await h.deploy({ owner: user });
  const cookie = await signedInToApp(deployment, user);
  for (const instance of [first, second]) assert.equal((await hostRequest(instance.url, appHost(deployment), "/", { headers: { cookie } })).status, 200);

  const csrf = await hostRequest(first.url, hubHost, "/api/auth/csrf", { headers: { cookie: user.cookie } });
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const csrfCookie = (csrf.headers["set-cookie"] ?? []).map((line) => line.split(";")[0]).join("; ");
  const signedOut = await hostRequest(first.url, hubHost, "/api/auth/signout", {
    method: "POST",
    body: new URLSearchParams({ csrfToken, callbackUrl: "/" }).toString(),
    headers: { cookie: [user.cookie, csrfCookie].filter(Boolean).join("; "), "content-type": "application/x-www-form-urlencoded" },
  });
  assert.ok(signedOut.status < 400, `sign-out answered ${signedOut.status}`);
  // At once on the instance that saw the sign-out, and on the other through Redis (without it, within the cache's 30 s).
  for (const instance of currentPass()?.redis ? [first, second] : [first]) {
    assert.equal((await hostRequest(instance.url, appHost(deployment), "/", { headers: { cookie } })).status, 401, instance.url);
  }
});

test("WebSockets on an app origin take the app session and reach the deployment at the path as sent", { skip }, async (t) => {
  const upstream = new WebSocketUpstream();
  await upstream.start();
  t.after(() => upstream.stop());
  const deployment = await h.deploy({ target: upstream.url });
  const cookie = await signedInToApp(deployment);
  const connect = (headers: Record<string, string>) =>
    new WebSocket(`${first.url.replace(/^http/, "ws")}/live/socket?room=2`, { headers: { host: appHost(deployment), ...headers } });

  const socket = connect({ cookie: `${cookie}; app=1` });
  await once(socket, "open");
  socket.send("hello on the app origin");
  const [text] = await once(socket, "message");
  assert.equal(text.toString(), "hello on the app origin");
  socket.close();
  const handshake = upstream.handshakes.at(-1)!;
  assert.equal(handshake["x-forwarded-prefix"], undefined);
  assert.equal(handshake["x-forwarded-host"], appHost(deployment));
  assert.equal(handshake.cookie, "app=1");

  for (const headers of [{}, { cookie: h.owner.cookie }] as Record<string, string>[]) {
    const refused = connect(headers);
    refused.on("error", () => {});
    const [, response] = await once(refused, "unexpected-response");
    refused.terminate();
    assert.equal(response.statusCode, 401);
  }
});

test("rate limits and CORS hold on an app origin as on the gateway path", { skip }, async () => {
  const deployment = await h.deploy({ rateLimit: "2/60s", corsOrigins: ["https://allowed.example"] });
  const cookie = await signedInToApp(deployment);
  const host = appHost(deployment);
  const statuses: number[] = [];
  await clearOfWindowEnd(60, 3_000);
  for (let i = 0; i < 3; i++) statuses.push((await hostRequest(first.url, host, "/", { headers: { cookie } })).status);
  assert.deepEqual(statuses, [200, 200, 429]);

  const preflight = (origin: string) =>
    hostRequest(first.url, host, "/api", { method: "OPTIONS", headers: { origin, "access-control-request-method": "PUT" } });
  const allowed = await preflight("https://allowed.example");
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers["access-control-allow-origin"], "https://allowed.example");
  const other = await preflight(`http://${appHost(h.deployment)}`);
  assert.equal(other.status, 403, "a sibling app origin is another site's origin like any other");
  assert.equal(other.headers["access-control-allow-origin"], undefined);
});
