import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { before, describe, test } from "node:test";
import { updateDeployment } from "@/lib/deployments/service";
import { freePort } from "@/testkit/app";
import { type CallInit, type Harness, harness } from "@/testkit/harness";
import { rawRequest } from "@/testkit/http";
import { currentPass } from "@/testkit/suite";
import type { Echo, TestUpstream } from "@/testkit/upstream";
import type { TestUser } from "@/testkit/users";
import { waitFor } from "@/testkit/wait";

let h: Harness<TestUpstream>;
let other: TestUser;
before(async (t) => {
  h = await harness(t, { deployment: { corsOrigins: ["https://allowed.example"] } });
  other = await h.newUser();
});

const routeHandler = currentPass()?.gateway === "route";
const get = (path: string, init: CallInit = {}) => h.call(path, { redirect: "manual", ...init });

async function echo(path: string, init: CallInit = {}): Promise<Echo> {
  const response = await get(path, init);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as Echo;
}

async function assertProblem(response: Response, status: number) {
  assert.equal(response.status, status);
  assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/);
  const body = await response.json();
  assert.equal(body.status, status);
  for (const field of ["type", "title", "detail", "requestId"]) assert.ok(body[field], `problem body has ${field}`);
  assert.equal(body.requestId, response.headers.get("x-request-id"));
  return body;
}

describe("1. path", () => {
  test("the deployment root without a trailing slash redirects to it, keeping the query", async () => {
    const response = await get(`${h.deployment.path}?a=1`);
    assert.equal(response.status, 308);
    assert.equal(response.headers.get("location"), `${h.deployment.path}/?a=1`);
  });

  test("the root and nested paths reach the deployment with the prefix removed", async () => {
    assert.equal((await echo(`${h.deployment.path}/`)).url, "/");
    assert.equal((await echo(`${h.deployment.path}/a/b/c.txt`)).url, "/a/b/c.txt");
    assert.equal((await echo(`${h.deployment.path}/dir/`)).url, "/dir/");
  });

  test("the query string is forwarded byte for byte", async () => {
    const response = await rawRequest(h.app, `${h.deployment.path}/q?b=2&a=%2F%20x&empty=&a=1&sym=';!`, { headers: { cookie: h.owner.cookie } });
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(response.body).url, "/q?b=2&a=%2F%20x&empty=&a=1&sym=';!");
  });

  // Through the route handler, Next itself resolves dot segments and rejects malformed escapes before
  // routing, so some of these never reach the gateway there: they must still fail and never reach the deployment.
  const nextIntercepts = new Set(["..", "%E0%A4%A"]);
  for (const evil of ["..%2f..%2fx", "%2e%2e/x", "a/%2E/b", "x%5c..%5cy", "a%2fb", "a%00b", "..", "./x", "a/../../b", "%E0%A4%A"]) {
    test(`refuses ${evil} with 400 before any upstream contact`, async () => {
      const before = h.upstream.requestCount.value;
      const response = await rawRequest(h.app, `${h.deployment.path}/${evil}`, { headers: { cookie: h.owner.cookie } });
      if (routeHandler && nextIntercepts.has(evil)) {
        assert.ok(response.status >= 400, `status ${response.status}`);
      } else {
        assert.equal(response.status, 400, response.body);
        assert.equal(JSON.parse(response.body).status, 400);
      }
      assert.equal(h.upstream.requestCount.value, before);
    });
  }

  test("a dot segment in the prefix cannot switch to another user's deployment", async () => {
    const response = await rawRequest(h.app, `/api/gateway/${other.id}/../${h.owner.id}/${h.deployment.id}/x`, { headers: { cookie: h.owner.cookie } });
    assert.equal(response.status, 400);
  });
});

describe("2. authentication", () => {
  test("no session: 401 problem for programs", async () => {
    const body = await assertProblem(await get(`${h.deployment.path}/`, { cookie: "" }), 401);
    assert.match(body.type, /unauthenticated/);
  });

  test("no session: a browser navigation is sent to sign-in and back", async () => {
    const response = await get(`${h.deployment.path}/page?x=1`, { cookie: "", headers: { accept: "text/html,application/xhtml+xml" } });
    assert.ok([302, 303, 307].includes(response.status));
    const location = new URL(response.headers.get("location")!, h.app);
    assert.equal(location.pathname, "/signin");
    assert.equal(location.searchParams.get("callbackUrl"), `${h.deployment.path}/page?x=1`);
  });

  test("a tampered or foreign session cookie is refused", async () => {
    const token = h.owner.cookie.match(/next-auth\.session-token=([^;]+)/)![1];
    const tampered = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    await assertProblem(await get(`${h.deployment.path}/`, { cookie: `next-auth.session-token=${tampered}` }), 401);
  });

  test("an API token authenticates programs and never reaches the deployment", async () => {
    const token = await h.apiToken();
    const seen = await echo(`${h.deployment.path}/`, { cookie: "", headers: { authorization: `Bearer ${token}` } });
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(seen.headers["x-gatehouse-user-id"], h.owner.id);
    const viaHeader = await echo(`${h.deployment.path}/`, { cookie: "", headers: { "x-gatehouse-token": token, authorization: "Bearer app-own-token" } });
    assert.equal(viaHeader.headers["x-gatehouse-token"], undefined);
    assert.equal(viaHeader.headers.authorization, "Bearer app-own-token");
  });

  test("an unknown API token is refused", async () => {
    await assertProblem(await get(`${h.deployment.path}/`, { cookie: "", headers: { authorization: "Bearer ght_unknown" } }), 401);
  });
});

describe("3. authorization", () => {
  test("another user's id in the path: 403", async () => {
    await assertProblem(await get(`${h.deployment.path}/`, { cookie: other.cookie }), 403);
  });

  test("unknown deployment and another user's deployment give the same 404", async () => {
    const foreign = await h.deploy({ owner: other });
    const unknown = await assertProblem(await get(`/api/gateway/${h.owner.id}/nosuchdeployment/`), 404);
    const theirs = await assertProblem(await get(`/api/gateway/${h.owner.id}/${foreign.id}/`), 404);
    assert.deepEqual({ ...unknown, requestId: "" }, { ...theirs, requestId: "" });
  });

  test("a deployment that is not running: 503 with Retry-After naming its status", async () => {
    const stopped = await h.deploy({ status: "stopped" });
    const response = await get(`${stopped.path}/`);
    assert.ok(Number(response.headers.get("retry-after")) > 0);
    const body = await assertProblem(response, 503);
    assert.match(body.detail, /stopped/);
  });

  test("a status change through the app takes effect at once (cache invalidation)", async () => {
    const toggled = await h.deploy();
    assert.equal((await get(`${toggled.path}/`)).status, 200);
    const patch = await h.patch(toggled.id, { status: "failed" });
    assert.equal(patch.status, 200);
    const body = await assertProblem(await get(`${toggled.path}/`), 503);
    assert.match(body.detail, /failed/);
  });

  test("the deployments API refuses other users and bad input with problems", async () => {
    const url = `${h.app}/api/deployments/${h.deployment.id}`;
    const init = (cookie: string, body: string) => ({ method: "PATCH", headers: { cookie, "content-type": "application/json" }, body });
    await assertProblem(await fetch(url, init(other.cookie, JSON.stringify({ status: "stopped" }))), 404);
    await assertProblem(await fetch(url, init(h.owner.cookie, JSON.stringify({ status: "paused" }))), 400);
    await assertProblem(await fetch(url, init(h.owner.cookie, "{not json")), 400);
    await assertProblem(await fetch(url, init("", JSON.stringify({ status: "stopped" }))), 401);
  });
});

describe("4. forwarding", () => {
  test("method, body and headers arrive; hop-by-hop, gateway cookies and spoofed headers do not", async () => {
    const body = randomUUID().repeat(100);
    // node:http, because fetch refuses to send Connection and Keep-Alive at all.
    const response = await rawRequest(h.app, `${h.deployment.path}/submit`, {
      method: "PUT",
      body,
      headers: {
        cookie: `${h.owner.cookie}; app=kept`,
        connection: "x-drop-me",
        "x-drop-me": "1",
        "keep-alive": "timeout=1",
        "x-forwarded-for": "6.6.6.6",
        "x-forwarded-host": "evil.example",
        "x-gatehouse-user-id": "someone-else",
        "x-custom": "passes",
      },
    });
    assert.equal(response.status, 200, response.body);
    const seen = JSON.parse(response.body) as Echo;
    assert.equal(seen.method, "PUT");
    assert.equal(seen.sha256, createHash("sha256").update(body).digest("hex"));
    assert.equal(seen.headers.cookie, "app=kept");
    assert.equal(seen.headers["x-drop-me"], undefined);
    assert.equal(seen.headers["keep-alive"], undefined);
    assert.equal(seen.headers["x-custom"], "passes");
    assert.equal(seen.headers["x-forwarded-for"], "127.0.0.1");
    assert.equal(seen.headers["x-forwarded-proto"], "http");
    assert.equal(seen.headers["x-forwarded-host"], new URL(h.app).host);
    assert.equal(seen.headers["x-forwarded-prefix"], h.deployment.path);
    assert.equal(seen.headers["x-gatehouse-user-id"], h.owner.id);
    assert.match(String(seen.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
  });

  test("every method reaches the deployment", async () => {
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) assert.equal((await echo(`${h.deployment.path}/m`, { method })).method, method);
    const head = await get(`${h.deployment.path}/m`, { method: "HEAD" });
    assert.equal(head.status, 200);
    const options = await echo(`${h.deployment.path}/m`, { method: "OPTIONS" });
    assert.equal(options.method, "OPTIONS");
  });

  test("a valid X-Request-Id is kept, an invalid one replaced", async () => {
    const kept = await get(`${h.deployment.path}/`, { headers: { "x-request-id": "client-chosen-id-123" } });
    assert.equal(kept.headers.get("x-request-id"), "client-chosen-id-123");
    assert.equal(((await kept.json()) as Echo).headers["x-request-id"], "client-chosen-id-123");
    const replaced = await get(`${h.deployment.path}/`, { headers: { "x-request-id": "bad id with spaces" } });
    assert.notEqual(replaced.headers.get("x-request-id"), "bad id with spaces");
  });

  test("a large upload streams through intact", async () => {
    const chunk = Buffer.alloc(1024 * 1024, 3);
    const chunks = 64;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (++sent > chunks) controller.close();
        else controller.enqueue(chunk);
      },
    });
    let sent = 0;
    const seen = await echo(`${h.deployment.path}/upload`, { method: "POST", body: stream, duplex: "half" } as RequestInit);
    const expected = createHash("sha256");
    for (let i = 0; i < chunks; i++) expected.update(chunk);
    assert.equal(seen.bytes, chunks * chunk.length);
    assert.equal(seen.sha256, expected.digest("hex"));
  });

  test("a large download streams through intact", async () => {
    const bytes = 48 * 1024 * 1024 + 5;
    const response = await get(`${h.deployment.path}/download?bytes=${bytes}`);
    let received = 0;
    const reader = response.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) received += read.value.length;
    assert.equal(received, bytes);
  });

  test("Location into the deployment is rewritten into the prefix; foreign locations are not", async () => {
    const cases: [string, string][] = [
      ["/login?next=%2F", `${h.deployment.path}/login?next=%2F`],
      [`${h.upstream.url}/home#top`, `${h.deployment.path}/home#top`],
      ["relative/page", "relative/page"],
      ["https://elsewhere.example/x", "https://elsewhere.example/x"],
    ];
    for (const [to, expected] of cases) {
      const response = await get(`${h.deployment.path}/redirect?to=${encodeURIComponent(to)}`);
      assert.equal(response.status, 302);
      assert.equal(response.headers.get("location"), expected, to);
    }
  });

  test("Set-Cookie is scoped into the prefix without Domain; gateway cookie names are dropped", async () => {
    const cookies = (await get(`${h.deployment.path}/cookies`)).headers.getSetCookie();
    assert.deepEqual(cookies, [
      `plain=1; Path=${h.deployment.path}/`,
      `scoped=2; Path=${h.deployment.path}/account; HttpOnly`,
      `based=3; Path=${h.deployment.path}/base/area`,
    ]);
  });

  test("headers that would act on the whole origin the hub shares never leave the gateway; a service worker stays inside the prefix", async () => {
    const based = await h.deploy({ path: "/base" });
    const response = await get(`${based.path}/origin-wide`, { headers: { "service-worker": "script" } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("service-worker-allowed"), `${based.path}/`);
    for (const name of ["clear-site-data", "set-login", "refresh", "strict-transport-security", "alt-svc"]) {
      assert.equal(response.headers.get(name), null, `${name} dropped`);
    }
    assert.deepEqual(
      response.headers.getSetCookie(),
      [`near=1; Path=${based.path}/basex`],
      "no __Host- cookie; a look-alike of the base path stays inside the prefix",
    );
  });

  test("a target with a base path maps both ways", async () => {
    const based = await h.deploy({ path: "/base" });
    assert.equal((await echo(`${based.path}/x?y=1`)).url, "/base/x?y=1");
    const redirect = await get(`${based.path}/redirect?to=${encodeURIComponent("/base/next")}`);
    assert.equal(redirect.headers.get("location"), `${based.path}/next`);
    const cookies = (await get(`${based.path}/cookies`)).headers.getSetCookie();
    assert.ok(cookies.includes(`based=3; Path=${based.path}/area`), cookies.join(" | "));
  });

  if (routeHandler) {
    test("through the route handler, which drops Content-Encoding, deployments are asked for identity", async () => {
      const seen = await echo(`${h.deployment.path}/`, { headers: { "accept-encoding": "gzip, br" } });
      assert.equal(seen.headers["accept-encoding"], "identity");
    });
  } else {
    test("Content-Encoding and the client's Accept-Encoding pass through untouched", async () => {
      const seen = await echo(`${h.deployment.path}/`, { headers: { "accept-encoding": "gzip, br" } });
      assert.equal(seen.headers["accept-encoding"], "gzip, br");
      const response = await rawRequest(h.app, `${h.deployment.path}/gzip`, { headers: { cookie: h.owner.cookie, "accept-encoding": "gzip" } });
      assert.equal(response.headers["content-encoding"], "gzip");
    });
  }

  test("hop-by-hop response headers are dropped", async () => {
    const response = await get(`${h.deployment.path}/hop`);
    assert.equal(response.headers.get("x-private"), null);
    assert.equal(response.headers.get("x-public"), "ok");
  });

  test("the deployment's 4xx and 5xx pass through as they are", async () => {
    assert.equal((await get(`${h.deployment.path}/status?code=418`)).status, 418);
    const failing = await get(`${h.deployment.path}/status?code=503`);
    assert.equal(failing.status, 503);
    assert.equal(await failing.text(), "status");
  });
});

describe("5. response headers and event streams", () => {
  test("security headers on proxied answers and on the gateway's own", async () => {
    for (const response of [await get(`${h.deployment.path}/`), await get(`${h.deployment.path}/`, { cookie: "" })]) {
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      assert.ok(response.headers.get("referrer-policy"));
      assert.ok(response.headers.get("x-request-id"));
      assert.equal(response.headers.get("strict-transport-security"), null, "no HSTS over plain http");
    }
  });

  test("SSE events arrive one by one, unbuffered and untransformed", { timeout: 20_000 }, async () => {
    const hold = randomUUID();
    const response = await get(`${h.deployment.path}/sse?hold=${hold}&count=3`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("cache-control") ?? "", /no-transform/);
    assert.equal(response.headers.get("x-accel-buffering"), "no");
    assert.equal(response.headers.get("content-encoding"), null);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    for (let i = 1; i <= 3; i++) {
      h.upstream.release(hold);
      // The next event is sent only after the previous one arrived: a buffering gateway would hang here.
      while (!text.includes(`data: event ${i}\n\n`)) {
        const { value, done } = await reader.read();
        assert.ok(!done, `stream ended before event ${i}`);
        text += value;
      }
    }
  });

  test("a quiet stream outlives the headers timeout: only silence between chunks is limited", { timeout: 20_000 }, async () => {
    // The test app's headers timeout is 2 s; this stream stays silent for 3 s between events.
    const response = await get(`${h.deployment.path}/sse?count=2&gap=3000`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /data: event 1\n\n/);
    assert.match(text, /data: event 2\n\n/);
  });
});

describe("6. CORS", () => {
  test("a preflight from an allowed origin is answered by the gateway without credentials", async () => {
    const before = h.upstream.requestCount.value;
    const response = await get(`${h.deployment.path}/mcp`, {
      method: "OPTIONS",
      cookie: "",
      headers: { origin: "https://allowed.example", "access-control-request-method": "POST", "access-control-request-headers": "mcp-session-id, content-type" },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get("access-control-allow-origin"), "https://allowed.example");
    assert.equal(response.headers.get("access-control-allow-credentials"), "true");
    const allowed = (response.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const header of ["authorization", "content-type", "mcp-protocol-version", "mcp-session-id", "last-event-id"])
      assert.ok(allowed.includes(header), header);
    assert.match(response.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.equal(h.upstream.requestCount.value, before);
  });

  test("a disallowed origin gets no CORS headers, on preflights and requests", async () => {
    const preflight = await get(`${h.deployment.path}/mcp`, {
      method: "OPTIONS",
      cookie: "",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.headers.get("access-control-allow-origin"), null);
    assert.notEqual(preflight.status, 204);
    const request = await get(`${h.deployment.path}/`, { headers: { origin: "https://evil.example" } });
    assert.equal(request.headers.get("access-control-allow-origin"), null);
  });

  test("an allowed origin's request gets credentials CORS and exposed headers; the deployment's own CORS is replaced", async () => {
    const response = await get(`${h.deployment.path}/cors`, { headers: { origin: "https://allowed.example" } });
    assert.equal(response.headers.get("access-control-allow-origin"), "https://allowed.example");
    assert.equal(response.headers.get("access-control-allow-credentials"), "true");
    const exposed = (response.headers.get("access-control-expose-headers") ?? "").toLowerCase();
    assert.ok(exposed.includes("mcp-session-id") && exposed.includes("x-request-id"));
    assert.match(response.headers.get("vary") ?? "", /origin/i);
  });

  test("a wildcard origin is answered with * and never with credentials", async () => {
    const open = await h.deploy({ corsOrigins: ["*"] });
    const response = await get(`${open.path}/`, { headers: { origin: "https://any.example" } });
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
    assert.equal(response.headers.get("access-control-allow-credentials"), null);
  });

  test("refusals carry CORS headers for allowed origins, so browser code can read them", async () => {
    const response = await get(`${h.deployment.path}/`, { cookie: "", headers: { origin: "https://allowed.example" } });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("access-control-allow-origin"), "https://allowed.example");
  });
});

describe("7. failures", () => {
  test("connection refused: 502 problem", async () => {
    const dead = await h.deploy({ target: `http://127.0.0.1:${await freePort()}` });
    const body = await assertProblem(await get(`${dead.path}/`), 502);
    assert.match(body.type, /upstream-unreachable/);
  });

  test("no response headers within the timeout: 504 problem", async () => {
    const body = await assertProblem(await get(`${h.deployment.path}/slow?ms=4000`), 504);
    assert.match(body.type, /upstream-timeout/);
  });

  test("a client that disconnects aborts the upstream request", async () => {
    const id = randomUUID();
    const controller = new AbortController();
    const pending = get(`${h.deployment.path}/hang`, { signal: controller.signal, headers: { "x-test-id": id } }).catch(() => null);
    await waitFor(() => h.upstream.received.has(id), { timeoutMs: 5_000, intervalMs: 20 });
    controller.abort();
    await pending;
    await waitFor(() => h.upstream.aborted.has(id), { timeoutMs: 5_000, intervalMs: 50 });
    assert.ok(h.upstream.aborted.has(id), "the upstream saw its request closed");
  });

  test("an upstream that dies mid-body ends the client's response with an error", async () => {
    const response = await get(`${h.deployment.path}/die`);
    assert.equal(response.status, 200);
    await assert.rejects(response.text());
  });

  test("the gateway still serves after all of the above", async () => {
    assert.equal((await echo(`${h.deployment.path}/still-alive`)).url, "/still-alive");
  });
});

test("deployments changed outside the app are picked up within the cache TTL", async () => {
  const changed = await h.deploy();
  assert.equal((await get(`${changed.path}/`)).status, 200);
  await updateDeployment({ id: changed.id, status: "stopped" });
  let status = 200;
  const picked = async () => {
    status = (await get(`${changed.path}/`)).status;
    return status !== 200;
  };
  await waitFor(picked, { timeoutMs: 10_000, intervalMs: 250 });
  assert.equal(status, 503);
});
