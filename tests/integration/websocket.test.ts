import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { request as httpRequest } from "node:http";
import { before, test } from "node:test";
import WebSocket from "ws";
import { db } from "@/lib/db";
import { type Harness, harness } from "@/testkit/harness";
import type { TestUser } from "@/testkit/users";
import { sleep, waitFor } from "@/testkit/wait";
import { WebSocketUpstream } from "@/testkit/websocket-upstream";

let h: Harness<WebSocketUpstream>;
let other: TestUser;
before(async (t) => {
  h = await harness(t, { upstream: new WebSocketUpstream(), deployment: false });
  other = await h.newUser();
});

function connect(path: string, cookie?: string, requestId?: string): WebSocket {
  const headers = { ...(cookie ? { cookie } : {}), ...(requestId ? { "x-request-id": requestId } : {}) };
  return new WebSocket(`${h.app.replace(/^http/, "ws")}${path}`, { headers });
}

/** The status a handshake from `origin` gets: 101 when the socket opens. */
async function refusalFrom(path: string, origin: string): Promise<number> {
  const socket = new WebSocket(`${h.app.replace(/^http/, "ws")}${path}`, { headers: { cookie: h.owner.cookie, origin } });
  socket.on("error", () => {});
  const status = await new Promise<number>((resolve) => {
    socket.once("open", () => resolve(101));
    socket.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
  });
  socket.terminate();
  return status;
}

async function refusal(path: string, cookie?: string, requestId?: string): Promise<number> {
  const socket = connect(path, cookie, requestId);
  // Ending the refused socket before it opened is reported as an error; that is the point here.
  socket.on("error", () => {});
  const [, response] = await once(socket, "unexpected-response");
  socket.terminate();
  return response.statusCode;
}

test("text and binary frames echo through the gateway, and close codes pass through", async () => {
  const deployment = await h.deploy();
  const socket = connect(`${deployment.path}/socket?room=1`, h.owner.cookie);
  await once(socket, "open");

  socket.send("hello through the gateway");
  const [text, textIsBinary] = await once(socket, "message");
  assert.equal(text.toString(), "hello through the gateway");
  assert.equal(textIsBinary, false);

  const bytes = Buffer.from([0, 1, 2, 250, 255]);
  socket.send(bytes);
  const [binary, isBinary] = await once(socket, "message");
  assert.equal(isBinary, true);
  assert.deepEqual(Buffer.from(binary), bytes);

  socket.send("close:4001:bye");
  const [code, reason] = await once(socket, "close");
  assert.equal(code, 4001);
  assert.equal(reason.toString(), "bye");

  const handshake = h.upstream.handshakes.at(-1)!;
  assert.equal(handshake["x-gatehouse-user-id"], h.owner.id);
  assert.equal(handshake["x-forwarded-prefix"], deployment.path);
  assert.doesNotMatch(String(handshake.cookie ?? ""), /next-auth/);
});

test("refused upgrades get their HTTP status before any switch", async () => {
  const deployment = await h.deploy();
  const stopped = await h.deploy({ status: "stopped" });
  const theirs = await h.deploy({ owner: other });
  assert.equal(await refusal(`${deployment.path}/socket`), 401);
  assert.equal(await refusal(`${deployment.path}/socket`, other.cookie), 403);
  assert.equal(await refusal(`/api/gateway/${h.owner.id}/${theirs.id}/socket`, h.owner.cookie), 404);
  assert.equal(await refusal(`${stopped.path}/socket`, h.owner.cookie), 503);
  assert.equal(await refusal(`${deployment.path}/..%2fsocket`, h.owner.cookie), 400);
});

test("a handshake from another site's page is refused; the page's own origin and the deployment's allowed ones are not; only WebSockets pass", async () => {
  const deployment = await h.deploy({ corsOrigins: ["https://allowed.example"] });
  const open = (origin: string) => {
    const socket = new WebSocket(`${h.app.replace(/^http/, "ws")}${deployment.path}/socket`, { headers: { cookie: h.owner.cookie, origin } });
    socket.on("error", () => {});
    return socket;
  };
  for (const origin of [h.app, "https://allowed.example"]) {
    const socket = open(origin);
    await once(socket, "open");
    socket.close();
  }
  for (const origin of ["https://evil.example", "null", h.app.replace("127.0.0.1", "localhost")]) {
    assert.equal(await refusalFrom(`${deployment.path}/socket`, origin), 403, origin);
  }
  const everyone = await h.deploy({ corsOrigins: ["*"] });
  assert.equal(await refusalFrom(`${everyone.path}/socket`, "https://evil.example"), 403, "a wildcard does not admit cookies from any site");

  const { hostname, port } = new URL(h.app);
  const h2c = await new Promise<number>((resolve, reject) => {
    const outgoing = httpRequest({
      host: hostname,
      port,
      path: `${deployment.path}/socket`,
      headers: { connection: "Upgrade", upgrade: "h2c", cookie: h.owner.cookie },
    });
    outgoing.on("response", (response) => resolve(response.statusCode ?? 0));
    outgoing.on("upgrade", () => reject(new Error("switched protocols")));
    outgoing.on("error", reject);
    outgoing.end();
  });
  assert.equal(h2c, 400);
});

test("a deployment that is not a WebSocket server gives 502", async () => {
  const deployment = await h.deploy({ target: "http://127.0.0.1:9" });
  assert.equal(await refusal(`${deployment.path}/socket`, h.owner.cookie), 502);
});

/** The request-log rows of one request id, once the recorder has written at least one (it flushes every second). */
async function loggedRows(requestId: string) {
  await waitFor(async () => (await db().requestLog.count({ where: { requestId } })) > 0, { timeoutMs: 10_000, intervalMs: 200 });
  return db().requestLog.findMany({ where: { requestId } });
}

/** Longer than the recorder's flush interval: a row that was going to be written has been by then. */
const pastOneFlush = () => sleep(1_500);

test("a WebSocket connection is recorded once, when it closes: 101, its duration and bytes both ways", async () => {
  const deployment = await h.deploy();
  const requestId = `ws-${randomUUID()}`;
  const socket = connect(`${deployment.path}/socket?room=1`, h.owner.cookie, requestId);
  await once(socket, "open");
  const message = "x".repeat(300);
  socket.send(message);
  await once(socket, "message");
  await pastOneFlush();
  assert.equal(await db().requestLog.count({ where: { requestId } }), 0, "nothing recorded while the socket is open");

  socket.send("close:1000:done");
  await once(socket, "close");
  const [row, ...more] = await loggedRows(requestId);
  assert.equal(more.length, 0);
  await pastOneFlush();
  assert.equal(await db().requestLog.count({ where: { requestId } }), 1, "exactly one row");
  assert.equal(row.status, 101);
  assert.equal(row.outcome, "proxied");
  assert.equal(row.method, "GET");
  assert.equal(row.path, "/socket");
  assert.equal(row.userId, h.owner.id);
  assert.equal(row.deploymentId, deployment.id);
  assert.ok(row.durationMs >= 1_500, `the connection's whole life (${row.durationMs} ms)`);
  assert.ok(row.ttfbMs !== null && row.ttfbMs <= row.durationMs);
  assert.ok(Number(row.bytesIn) > message.length, `client frames counted (${row.bytesIn} bytes)`);
  assert.ok(Number(row.bytesOut) > message.length, `deployment frames counted (${row.bytesOut} bytes)`);
});

test("a refused upgrade is recorded like a refused request", async () => {
  const stopped = await h.deploy({ status: "stopped" });
  const anonymous = `ws-${randomUUID()}`;
  const notRunning = `ws-${randomUUID()}`;
  assert.equal(await refusal(`${stopped.path}/socket`, undefined, anonymous), 401);
  assert.equal(await refusal(`${stopped.path}/socket`, h.owner.cookie, notRunning), 503);

  const [unauthenticated] = await loggedRows(anonymous);
  assert.equal(unauthenticated.status, 401);
  assert.equal(unauthenticated.outcome, "refused");
  assert.equal(unauthenticated.userId, null);
  assert.equal(unauthenticated.deploymentId, null);
  const [refused] = await loggedRows(notRunning);
  assert.equal(refused.status, 503);
  assert.equal(refused.outcome, "refused");
  assert.equal(refused.userId, h.owner.id);
  assert.equal(refused.deploymentId, stopped.id);
  await pastOneFlush();
  assert.equal(await db().requestLog.count({ where: { requestId: { in: [anonymous, notRunning] } } }), 2, "one row each");
});

test("a silent WebSocket is closed after GATEWAY_WEBSOCKET_IDLE_TIMEOUT_MS, a talking one is not; a user's sockets are capped per instance", async (t) => {
  const own = await harness(t, {
    upstream: new WebSocketUpstream(),
    apps: [{ GATEWAY_WEBSOCKET_IDLE_TIMEOUT_MS: "1500", GATEWAY_WEBSOCKETS_PER_USER: "2" }],
  });
  const url = `${own.app.replace(/^http/, "ws")}${own.deployment.path}/socket`;
  const open = async () => {
    const socket = new WebSocket(url, { headers: { cookie: own.owner.cookie } });
    socket.on("error", () => {});
    await once(socket, "open");
    return socket;
  };
  const silent = await open();
  const talking = await open();
  const third = new WebSocket(url, { headers: { cookie: own.owner.cookie } });
  third.on("error", () => {});
  const [, refused] = await once(third, "unexpected-response");
  assert.equal(refused.statusCode, 429, "a third socket for the same user is refused");

  const silentClosed = once(silent, "close");
  const chatter = setInterval(() => talking.send("still here"), 300);
  const startedAt = Date.now();
  await silentClosed;
  assert.ok(Date.now() - startedAt >= 1000, "closed by silence, not at once");
  assert.equal(talking.readyState, WebSocket.OPEN, "a socket that talks stays open");
  clearInterval(chatter);

  const reopened = await waitFor(
    async () => {
      const again = new WebSocket(url, { headers: { cookie: own.owner.cookie } });
      again.on("error", () => {});
      const opened = await Promise.race([once(again, "open").then(() => true), once(again, "unexpected-response").then(() => false)]);
      again.terminate();
      return opened;
    },
    { timeoutMs: 5_000, intervalMs: 100 },
  );
  assert.ok(reopened, "the closed socket's place is free again");
  talking.terminate();
});
