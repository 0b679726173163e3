import assert from "node:assert/strict";
import type { OutgoingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import { test } from "node:test";
import { rewriteLocation } from "@/lib/gateway/headers";
import { withEndpointMapped } from "@/lib/gateway/sse-endpoint";

const prefix = "/api/gateway/u1/d1";
const target = new URL("http://10.0.0.5:8080/base");

async function mapped(chunks: string[], headers: OutgoingHttpHeaders = {}): Promise<string> {
  const body = withEndpointMapped(Readable.from(chunks.map((chunk) => Buffer.from(chunk))), headers, (url) => rewriteLocation(url, target, prefix));
  let out = "";
  for await (const chunk of body) out += chunk.toString();
  return out;
}

test("the endpoint event's path is mapped into the prefix, however the stream is cut, and nothing else changes", async () => {
  const stream = ": hello\n\nevent: endpoint\ndata: /base/messages?sessionId=abc\n\nevent: message\ndata: /base/not-this\n\n";
  const expected = ": hello\n\nevent: endpoint\ndata: /api/gateway/u1/d1/messages?sessionId=abc\n\nevent: message\ndata: /base/not-this\n\n";
  assert.equal(await mapped([stream]), expected);
  for (let cut = 1; cut < stream.length; cut += 7) assert.equal(await mapped([stream.slice(0, cut), stream.slice(cut)]), expected, `cut at ${cut}`);
  assert.equal(await mapped(stream.split("")), expected, "byte by byte");
});

test("CRLF streams, absolute URLs at the deployment, and URLs elsewhere", async () => {
  assert.equal(
    await mapped(["event: endpoint\r\ndata: http://10.0.0.5:8080/base/messages?s=1\r\n\r\n"]),
    "event: endpoint\r\ndata: /api/gateway/u1/d1/messages?s=1\r\n\r\n",
  );
  assert.equal(await mapped(["event: endpoint\ndata: https://elsewhere.example/m\n\n"]), "event: endpoint\ndata: https://elsewhere.example/m\n\n");
  assert.equal(await mapped(["event: endpoint\ndata: messages?s=1\n\n"]), "event: endpoint\ndata: messages?s=1\n\n", "a relative URL already stays inside");
});

test("a stream without an endpoint event passes byte for byte, also past the scan limit and when it ends mid-event", async () => {
  const big = `data: ${"x".repeat(70_000)}\n\n`;
  assert.equal(await mapped([big, "event: endpoint\ndata: /m\n\n"]), `${big}event: endpoint\ndata: /m\n\n`, "not looked for past 64 KB");
  assert.equal(await mapped(["data: é ünïcode\n\n", "data: partial"]), "data: é ünïcode\n\ndata: partial");
  const headers: OutgoingHttpHeaders = { "content-length": "10" };
  await mapped(["data: x\n\n"], headers);
  assert.equal(headers["content-length"], undefined);
});
