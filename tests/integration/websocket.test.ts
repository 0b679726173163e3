import assert from "node:assert/strict";
import { once } from "node:events";
import { before, test } from "node:test";
import WebSocket from "ws";
import { type Harness, harness } from "@/testkit/harness";
import type { TestUser } from "@/testkit/users";
import { WebSocketUpstream } from "@/testkit/websocket-upstream";

let h: Harness<WebSocketUpstream>;
let other: TestUser;
before(async (t) => {
  h = await harness(t, { upstream: new WebSocketUpstream(), deployment: false });
  other = await h.newUser();
});

function connect(path: string, cookie?: string): WebSocket {
  return new WebSocket(`${h.app.replace(/^http/, "ws")}${path}`, { headers: cookie ? { cookie } : {} });
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

test("a deployment that is not a WebSocket server gives 502", async () => {
  const deployment = await h.deploy({ target: "http://127.0.0.1:9" });
  assert.equal(await refusal(`${deployment.path}/socket`, h.owner.cookie), 502);
});
