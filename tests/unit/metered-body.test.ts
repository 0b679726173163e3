import assert from "node:assert/strict";
import { once } from "node:events";
import { PassThrough, Writable } from "node:stream";
import { test } from "node:test";
import { MeteredBody } from "@/lib/gateway/metered-body";

/** A MeteredBody over a stream the test writes, and what it reported (each report once, or the test fails). */
function metered(headFirst = false) {
  const source = new PassThrough();
  const reports: { bytes: number; failed: boolean }[] = [];
  const body = new MeteredBody(source, (bytes, failed) => reports.push({ bytes, failed }), headFirst);
  return { source, body, reports };
}

function sink(): { destination: Writable; received: Buffer[] } {
  const received: Buffer[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      received.push(chunk);
      done();
    },
  });
  return { destination, received };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("pipeTo delivers the whole body, ends the destination and reports its size once", async () => {
  const { source, body, reports } = metered();
  const { destination, received } = sink();
  const delivered = body.pipeTo(destination);
  source.write("hello ");
  source.end("world");
  assert.equal(await delivered, true);
  if (!destination.writableFinished) await once(destination, "finish");
  assert.equal(Buffer.concat(received).toString(), "hello world");
  assert.deepEqual(reports, [{ bytes: 11, failed: false }]);
});

test("pipeTo reports a failure when the deployment's stream dies mid-body", async () => {
  const { source, body, reports } = metered();
  const { destination } = sink();
  const delivered = body.pipeTo(destination);
  source.write("partial");
  await tick();
  source.destroy();
  assert.equal(await delivered, false);
  assert.deepEqual(reports, [{ bytes: 7, failed: true }]);
});

test("toWebStream leads with an empty chunk when asked, then passes every byte and reports once", async () => {
  const { source, body, reports } = metered(true);
  const reader = body.toWebStream().getReader();
  source.write("a");
  source.end("bc");
  const chunks: number[][] = [];
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push([...next.value]);
  assert.deepEqual(chunks[0], []);
  assert.equal(Buffer.from(chunks.flat()).toString(), "abc");
  assert.deepEqual(reports, [{ bytes: 3, failed: false }]);
});

test("toWebStream errors the web stream when the deployment's stream closes before its end", async () => {
  const { source, body, reports } = metered();
  const reader = body.toWebStream().getReader();
  source.write("x");
  assert.deepEqual([...(await reader.read()).value!], [120]);
  source.destroy();
  await assert.rejects(reader.read());
  assert.deepEqual(reports, [{ bytes: 1, failed: true }]);
});

test("toWebStream errors the web stream when the deployment's stream fails", async () => {
  const { source, body, reports } = metered();
  const reader = body.toWebStream().getReader();
  source.destroy(new Error("reset by the deployment"));
  await assert.rejects(reader.read(), /reset by the deployment/);
  assert.deepEqual(reports, [{ bytes: 0, failed: true }]);
});

test("cancelling the web stream (the client left) releases the deployment's stream and reports a failure", async () => {
  const { source, body, reports } = metered();
  const stream = body.toWebStream();
  await stream.cancel();
  assert.equal(source.destroyed, true);
  assert.deepEqual(reports, [{ bytes: 0, failed: true }]);
});

test("toWebStream leaves the deployment's bytes in its stream while nobody reads, and passes them all on reads", async () => {
  const { source, body, reports } = metered();
  const reader = body.toWebStream().getReader();
  for (let i = 0; i < 32; i++) source.write(Buffer.alloc(1024));
  source.end();
  await tick();
  assert.equal(source.isPaused(), true);
  // At most the web stream's high-water mark (4 chunks) has left the deployment's stream.
  const waiting = source.readableLength + source.writableLength;
  assert.ok(waiting >= 28 * 1024, `only ${waiting} bytes left waiting`);
  let received = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) received += next.value.length;
  assert.equal(received, 32 * 1024);
  assert.deepEqual(reports, [{ bytes: 32 * 1024, failed: false }]);
});
