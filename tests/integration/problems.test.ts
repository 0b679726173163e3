import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import { type Harness, harness } from "@/testkit/harness";

let h: Harness<null>;
before(async (t) => {
  h = await harness(t, { upstream: null });
});

/** A problem as RFC 9457 describes it, carrying the request id the client sent. */
async function assertProblem(response: Response, status: number, slug: string, requestId: string) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  assert.equal(response.headers.get("x-request-id"), requestId);
  const body = await response.json();
  assert.equal(body.type, `urn:gatehouse:problem:${slug}`);
  assert.equal(body.status, status);
  assert.ok(body.title && body.detail);
  assert.equal(body.requestId, requestId);
  return body;
}

test("the hub's API and the gateway write the same problem body, with the request id the client sent", async () => {
  const requestId = `problem-${randomUUID()}`;
  const hub = await fetch(`${h.app}/api/deployments/${randomUUID()}`, {
    method: "PATCH",
    headers: { cookie: h.owner.cookie, "content-type": "application/json", "x-request-id": requestId },
    body: "{not json",
  });
  await assertProblem(hub, 400, "invalid-json", requestId);

  const gateway = await fetch(`${h.app}/api/gateway/${h.owner.id}/${randomUUID()}/`, { headers: { cookie: h.owner.cookie, "x-request-id": requestId } });
  await assertProblem(gateway, 404, "deployment-not-found", requestId);
});

test("a hub validation problem lists every field that is wrong", async () => {
  const requestId = `problem-${randomUUID()}`;
  const response = await fetch(`${h.app}/api/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": requestId },
    body: JSON.stringify({ email: "not an email", password: "" }),
  });
  const body = await assertProblem(response, 400, "invalid-input", requestId);
  assert.deepEqual(body.errors.map((error: { path: string }) => error.path).sort(), ["email", "password"]);
});

test("a malformed request id is replaced by one of the app's own", async () => {
  const response = await fetch(`${h.app}/api/signup`, { method: "POST", headers: { "x-request-id": "bad id!" }, body: "{" });
  assert.equal(response.status, 400);
  const body = await response.json();
  assert.match(body.requestId, /^[0-9a-f-]{36}$/);
  assert.equal(response.headers.get("x-request-id"), body.requestId);
});

test("a change a browser sends from another origin is refused; the hub's own pages and programs are not", async () => {
  const markRead = (headers: Record<string, string>) =>
    fetch(`${h.app}/api/alerts/read`, { method: "POST", headers: { cookie: h.owner.cookie, "content-type": "application/json", ...headers }, body: "{}" });
  const requestId = `problem-${randomUUID()}`;
  await assertProblem(await markRead({ origin: "https://elsewhere.example", "x-request-id": requestId }), 403, "cross-origin-refused", requestId);
  await assertProblem(await markRead({ "sec-fetch-site": "same-site", "x-request-id": requestId }), 403, "cross-origin-refused", requestId);
  await assertProblem(await markRead({ "sec-fetch-site": "cross-site", "x-request-id": requestId }), 403, "cross-origin-refused", requestId);
  assert.equal((await markRead({ origin: h.app, "sec-fetch-site": "same-origin" })).status, 200);
  assert.equal((await markRead({ origin: h.app })).status, 200);
  assert.equal((await markRead({})).status, 200, "a program sends neither header");
});

test("hub bodies are capped: too large a body, declared or streamed, gets 413 before it is read whole", async () => {
  const big = JSON.stringify({ email: "x@example.test", password: "p".repeat(100_000) });
  // Signed in, for the tokens API: without a session it refuses with 401 before reading anything.
  for (const path of ["/api/signup", "/api/auth/callback/credentials", "/api/tokens"]) {
    const declared = await fetch(`${h.app}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "too-large-0001", cookie: h.owner.cookie },
      body: big,
    });
    assert.equal(declared.status, 413, path);
    await assertProblem(declared, 413, "body-too-large", "too-large-0001");
  }
  // No Content-Length (chunked): the cap is counted as the body streams in.
  const chunked = await fetch(`${h.app}/api/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": "too-large-0002" },
    body: new Blob([big]).stream(),
    duplex: "half",
  } as RequestInit);
  await assertProblem(chunked, 413, "body-too-large", "too-large-0002");
});
