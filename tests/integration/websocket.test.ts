import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { appUrl, newDeployment, newUser, type TestUser } from "@/tests/support/fixtures";
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

function connect(path: string, cookie?: string): WebSocket {
  return new WebSocket(`${wsBase}${path}`, { headers: cookie ? { cookie } : {} });
}

async function refusal(path: string, cookie?: string): Promise<number> {
  const socket = connect(path, cookie);
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
