import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { before, test } from "node:test";
import type { RunningApp } from "@/testkit/app";
import { type Harness, harness } from "@/testkit/harness";
import { skipUnless } from "@/testkit/suite";
import type { Echo, TestUpstream } from "@/testkit/upstream";

// An app of its own with short client limits; once, on the PostgreSQL + Redis fast-path run.
const skip = skipUnless({ database: "postgres", gateway: "fast" });

let h: Harness<TestUpstream>;
let app: RunningApp;
let token: string;
before(async (t) => {
  if (skip) return;
  // The deployment waits long for bodies here, so that only the client limits can end a stalled request.
  h = await harness(t, {
    apps: [{ CLIENT_HEADERS_TIMEOUT_MS: "1000", CLIENT_IDLE_TIMEOUT_MS: "1500", CLIENT_MAX_CONNECTIONS: "4", GATEWAY_HEADERS_TIMEOUT_MS: "30000" }],
  });
  [app] = h.apps;
  token = await h.apiToken();
});

function open(): Promise<Socket> {
  const { hostname, port } = new URL(app.url);
  const socket = connect(Number(port), hostname);
  socket.on("error", () => {});
  return once(socket, "connect").then(() => socket);
}

/** Milliseconds until the server closes the socket, or null when it is still open after `waitMs`. */
async function closedWithin(socket: Socket, waitMs: number): Promise<number | null> {
  const started = Date.now();
  // Unread data (a 408 answer) would hold back the end of the stream, and with it the close.
  socket.resume();
  const closed = await Promise.race([once(socket, "close").then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), waitMs))]);
  return closed ? Date.now() - started : null;
}

test("a client that never finishes its request head is cut off after CLIENT_HEADERS_TIMEOUT_MS", { skip }, async () => {
  const socket = await open();
  socket.write("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  assert.notEqual(await closedWithin(socket, 10_000), null, "the half-sent head was cut off");
});

test("a body that stops arriving is cut off after CLIENT_IDLE_TIMEOUT_MS; one that keeps arriving is not, however long it takes", { skip }, async () => {
  const stalled = await open();
  stalled.write(`POST ${h.deployment.path}/upload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 1000\r\n\r\npartial`);
  assert.notEqual(await closedWithin(stalled, 10_000), null, "the silent upload was cut off");

  // Six seconds of upload, a chunk every 200 ms: four times the idle limit, six times the head limit.
  const { hostname, port } = new URL(app.url);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (sent >= 30) return controller.close();
      sent++;
      controller.enqueue(new Uint8Array(1024).fill(65));
    },
  });
  const response = await fetch(`http://${hostname}:${port}${h.deployment.path}/upload`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body,
    duplex: "half",
  } as RequestInit);
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as Echo).bytes, 30 * 1024);
});

test("connections beyond CLIENT_MAX_CONNECTIONS are closed at once; the ones open are served", { skip }, async () => {
  const held = await Promise.all([open(), open(), open(), open()]);
  const extra = await open();
  assert.notEqual(await closedWithin(extra, 3_000), null, "the fifth connection was closed");
  held[0].write(`GET ${h.deployment.path}/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
  const [answer] = await once(held[0], "data");
  assert.match(String(answer), /^HTTP\/1.1 200/);
  for (const socket of held) socket.destroy();
});
