import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { db } from "@/lib/db";
import { appUrl, newDeployment, newUser, sleep, type TestUser } from "@/tests/support/fixtures";
import { startWebSocketUpstream } from "@/tests/support/websocket-upstream";

let upstream: Awaited<ReturnType<typeof startWebSocketUpstream>>;
let owner: TestUser;
let other: TestUser;
let wsBase: string;

before(async () => {
  wsBase = appUrl().replace(/^http/, "ws");
  upstream = await startWebSocketUpstream();
  [owner, other] = await Promise.all([newUser(), newUser()]);
});
after(() => upstream.stop());

function connect(path: string, cookie?: string, requestId?: string): WebSocket {
  return new WebSocket(`${wsBase}${path}`, { headers: { ...(cookie ? { cookie } : {}), ...(requestId ? { "x-request-id": requestId } : {}) } });
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
  const deployment = await newDeployment(owner, upstream.url);
  const socket = connect(`${deployment.path}/socket?room=1`, owner.cookie);
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

  const handshake = upstream.handshakes.at(-1)!;
  assert.equal(handshake["x-gatehouse-user-id"], owner.id);
  assert.equal(handshake["x-forwarded-prefix"], deployment.path);
  assert.doesNotMatch(String(handshake.cookie ?? ""), /next-auth/);
});

test("refused upgrades get their HTTP status before any switch", async () => {
  const deployment = await newDeployment(owner, upstream.url);
  const stopped = await newDeployment(owner, upstream.url, { status: "stopped" });
  const theirs = await newDeployment(other, upstream.url);
  assert.equal(await refusal(`${deployment.path}/socket`), 401);
  assert.equal(await refusal(`${deployment.path}/socket`, other.cookie), 403);
  assert.equal(await refusal(`/api/gateway/${owner.id}/${theirs.id}/socket`, owner.cookie), 404);
  assert.equal(await refusal(`${stopped.path}/socket`, owner.cookie), 503);
  assert.equal(await refusal(`${deployment.path}/..%2fsocket`, owner.cookie), 400);
});

test("a deployment that is not a WebSocket server gives 502", async () => {
  const deployment = await newDeployment(owner, "http://127.0.0.1:9");
  assert.equal(await refusal(`${deployment.path}/socket`, owner.cookie), 502);
});

/** The request-log rows of one request id, once the recorder has written at least one (it flushes every second). */
async function loggedRows(requestId: string) {
  for (let waited = 0; waited < 10_000; waited += 200) {
    const rows = await db().requestLog.findMany({ where: { requestId } });
    if (rows.length) return rows;
    await sleep(200);
  }
  return [];
}

/** Longer than the recorder's flush interval: a row that was going to be written has been by then. */
const pastOneFlush = () => sleep(1_500);

test("a WebSocket connection is recorded once, when it closes: 101, its duration and bytes both ways", async () => {
  const deployment = await newDeployment(owner, upstream.url);
  const requestId = `ws-${randomUUID()}`;
  const socket = connect(`${deployment.path}/socket?room=1`, owner.cookie, requestId);
  await once(socket, "open");
  const message = "x".repeat(300);
  socket.send(message);
  await once(socket, "message");
  await pastOneFlush();
  assert.equal(await db().requestLog.count({ where: { requestId } }), 0, "nothing recorded while the socket is open");

  socket.send("close:1000:done");
  await once(socket, "close");
  const rows = await loggedRows(requestId);
  await pastOneFlush();
  assert.equal(await db().requestLog.count({ where: { requestId } }), 1, "exactly one row");
  const [row] = rows;
  assert.equal(row.status, 101);
  assert.equal(row.outcome, "proxied");
  assert.equal(row.method, "GET");
  assert.equal(row.path, "/socket");
  assert.equal(row.userId, owner.id);
  assert.equal(row.deploymentId, deployment.id);
  assert.ok(row.durationMs >= 1_500, `the connection's whole life (${row.durationMs} ms)`);
  assert.ok(row.ttfbMs !== null && row.ttfbMs <= row.durationMs);
  assert.ok(Number(row.bytesIn) > message.length, `client frames counted (${row.bytesIn} bytes)`);
  assert.ok(Number(row.bytesOut) > message.length, `deployment frames counted (${row.bytesOut} bytes)`);
});

test("a refused upgrade is recorded like a refused request", async () => {
  const stopped = await newDeployment(owner, upstream.url, { status: "stopped" });
  const anonymous = `ws-${randomUUID()}`;
  const notRunning = `ws-${randomUUID()}`;
  assert.equal(await refusal(`${stopped.path}/socket`, undefined, anonymous), 401);
  assert.equal(await refusal(`${stopped.path}/socket`, owner.cookie, notRunning), 503);

  const [unauthenticated] = await loggedRows(anonymous);
  assert.equal(unauthenticated.status, 401);
  assert.equal(unauthenticated.outcome, "refused");
  assert.equal(unauthenticated.userId, null);
  assert.equal(unauthenticated.deploymentId, null);
  const [refused] = await loggedRows(notRunning);
  assert.equal(refused.status, 503);
  assert.equal(refused.outcome, "refused");
  assert.equal(refused.userId, owner.id);
  assert.equal(refused.deploymentId, stopped.id);
  await pastOneFlush();
  assert.equal(await db().requestLog.count({ where: { requestId: { in: [anonymous, notRunning] } } }), 2, "one row each");
});
