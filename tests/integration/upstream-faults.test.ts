import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { before, test } from "node:test";
import { db } from "@/lib/db";
import { type Harness, harness } from "@/testkit/harness";
import type { TestUpstream } from "@/testkit/upstream";
import { eventually } from "@/testkit/wait";

// What a deployment can get wrong, through both gateway paths: each answer is one a client can take.
let h: Harness<TestUpstream>;
before(async (t) => {
  h = await harness(t);
});

/** A TCP server that answers every request with the same bytes: HTTP gone wrong. */
async function rawUpstream(t: { after(fn: () => unknown): void }, answer: string): Promise<string> {
  const server: Server = createServer((socket) => {
    socket.once("data", () => socket.end(answer));
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

test("a deployment's 204, 205 and 304 reach the client as sent, without a body, and are recorded so", async () => {
  for (const code of [204, 205, 304]) {
    const requestId = `null-body-${code}-${randomUUID()}`;
    const response = await h.call(`${h.deployment.path}/status?code=${code}`, { headers: { "x-request-id": requestId } });
    assert.equal(response.status, code);
    assert.equal(await response.text(), "");
    await eventually(`the ${code} is recorded`, async () => (await db().requestLog.findFirst({ where: { requestId } }))?.status === code);
  }
});

test("a status no HTTP client takes becomes 502 upstream-malformed, and counts against the deployment", async () => {
  const response = await h.call(`${h.deployment.path}/status?code=999`);
  assert.equal(response.status, 502);
  assert.equal(((await response.json()) as { type: string }).type, "urn:gatehouse:problem:upstream-malformed");
});

test("an answer that is not valid HTTP is a 502 counted by the breaker, never a 500", async (t) => {
  const target = await rawUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: nope\r\nBad Header\r\n\r\nhello");
  const broken = await h.deploy({ target });
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 7; attempt++) statuses.push((await h.call(`${broken.path}/`)).status);
  assert.ok(!statuses.includes(500), `no 500s: ${statuses}`);
  assert.deepEqual(statuses.slice(0, 5), [502, 502, 502, 502, 502]);
  assert.equal(statuses.at(-1), 503, "five consecutive failures opened the circuit");
});

test("requests waiting for a busy deployment's connections are bounded: past the bound, 503 upstream-busy at once", async (t) => {
  const own = await harness(t, { apps: [{ GATEWAY_MAX_CONNECTIONS_PER_UPSTREAM: "1", GATEWAY_MAX_QUEUED_PER_UPSTREAM: "1" }] });
  const answers = await Promise.all([0, 1, 2].map(() => own.call(`${own.deployment.path}/slow?ms=1500`)));
  const statuses = answers.map((answer) => answer.status).sort();
  assert.deepEqual(statuses, [200, 200, 503]);
  const busy = answers.find((answer) => answer.status === 503)!;
  assert.equal(((await busy.json()) as { type: string }).type, "urn:gatehouse:problem:upstream-busy");
  assert.equal(busy.headers.get("retry-after"), "1");
  assert.equal((await own.call(`${own.deployment.path}/slow?ms=10`)).status, 200, "the bound frees as requests finish");
});
