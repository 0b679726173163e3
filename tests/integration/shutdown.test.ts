import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { test } from "node:test";
import { db } from "@/lib/db";
import { harness } from "@/testkit/harness";
import { skipUnless } from "@/testkit/suite";
import type { Echo } from "@/testkit/upstream";
import { sleep } from "@/testkit/wait";

// Starts and stops its own app; once, on the PostgreSQL fast-path run.
const skip = skipUnless({ database: "postgres", gateway: "fast" });

test("on SIGTERM an upload in flight completes, a long event stream is ended at the deadline, and the process exits 0", { skip }, async (t) => {
  const {
    apps: [app],
    owner,
    deployment,
    upstream,
  } = await harness(t, { apps: [{ SHUTDOWN_DEADLINE_MS: "3000" }] });

  const stream = await fetch(`${app.url}${deployment.path}/sse?hold=${randomUUID()}`, { headers: { cookie: owner.cookie } });
  assert.equal(stream.status, 200);
  const streamEnded = (async () => {
    const reader = stream.body!.getReader();
    try {
      while (!(await reader.read()).done);
    } catch {
      // Cut off at the deadline: ended either way.
    }
  })();

  const chunk = Buffer.alloc(256 * 1024, 9);
  const expected = createHash("sha256");
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === 8) return controller.close();
      await sleep(150);
      sent++;
      expected.update(chunk);
      controller.enqueue(chunk);
    },
  });
  const uploadId = `shutdown-${randomUUID()}`;
  const requestsBefore = upstream.requestCount.value;
  const upload = fetch(`${app.url}${deployment.path}/upload`, {
    method: "POST",
    body,
    duplex: "half",
    headers: { cookie: owner.cookie, "x-request-id": uploadId },
  } as RequestInit);

  // In flight means the upstream has it: a SIGTERM before the app has read its headers would find an idle connection.
  while (upstream.requestCount.value === requestsBefore) await sleep(20);
  app.process.kill("SIGTERM");
  const response = await upload;
  assert.equal(response.status, 200);
  const echo = (await response.json()) as Echo;
  assert.equal(echo.bytes, 8 * chunk.length);
  assert.equal(echo.sha256, expected.digest("hex"));

  await streamEnded;
  assert.equal(await app.exit, 0, app.output());
  assert.match(app.output(), /SIGTERM: draining/);
  const rows = await db().requestLog.findMany({ where: { requestId: uploadId } });
  assert.equal(rows.length, 1, "the recorder flushed before exit");
  assert.equal(Number(rows[0].bytesIn), 8 * chunk.length);
});

test("on SIGTERM readiness fails at once while requests are still served for SHUTDOWN_READINESS_DELAY_MS, then the listener closes", { skip }, async (t) => {
  const {
    apps: [app],
    owner,
    deployment,
  } = await harness(t, { apps: [{ SHUTDOWN_READINESS_DELAY_MS: "2000" }] });
  assert.equal((await fetch(`${app.url}/api/health/ready`)).status, 200);
  const stoppedAt = Date.now();
  app.process.kill("SIGTERM");
  await sleep(300);
  assert.equal((await fetch(`${app.url}/api/health/ready`)).status, 503, "the load balancer is told first");
  const served = await fetch(`${app.url}${deployment.path}/`, { headers: { cookie: owner.cookie } });
  assert.equal(served.status, 200, "new requests are still served meanwhile");
  assert.equal(await app.exit, 0, app.output());
  assert.ok(Date.now() - stoppedAt >= 2000, "the listener stayed open for the delay");
});
