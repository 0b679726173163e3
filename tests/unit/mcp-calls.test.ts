import assert from "node:assert/strict";
import { test } from "node:test";
import { announcedMcpCall, answeredWithError, BodyPrefix, mayCarryMcpCall, mcpCallFromBody } from "@/lib/gateway/mcp-calls";

const prefixOf = (...chunks: string[]) => {
  const prefix = new BodyPrefix();
  for (const chunk of chunks) prefix.add(Buffer.from(chunk));
  return prefix;
};

test("a JSON-RPC call is read from the body as it passed, split anywhere, batches by their first message", () => {
  const call = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "add", arguments: { a: 1 } } });
  assert.deepEqual(mcpCallFromBody(prefixOf(call.slice(0, 7), call.slice(7))), { method: "tools/call", name: "add", error: null });
  assert.deepEqual(mcpCallFromBody(prefixOf(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: "file:///a" } }))), {
    method: "resources/read",
    name: "file:///a",
    error: null,
  });
  const batch = JSON.stringify([
    { jsonrpc: "2.0", id: 1, method: "prompts/get", params: { name: "greet" } },
    { jsonrpc: "2.0", id: 2, method: "tools/list" },
  ]);
  assert.deepEqual(mcpCallFromBody(prefixOf(batch)), { method: "prompts/get", name: "greet", error: null });
  assert.deepEqual(mcpCallFromBody(prefixOf(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }))), {
    method: "notifications/initialized",
    name: null,
    error: null,
  });
});

test("a call whose body outgrows the prefix is still read from its start; anything that is not JSON-RPC is no call", () => {
  const huge = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"upload","arguments":{"data":"${"x".repeat(40_000)}"}}}`;
  const prefix = prefixOf(huge);
  assert.ok(prefix.truncated);
  assert.deepEqual(mcpCallFromBody(prefix), { method: "tools/call", name: "upload", error: null });
  assert.equal(mcpCallFromBody(prefixOf('{"method":"tools/call"}')), null, "no jsonrpc member");
  assert.equal(mcpCallFromBody(prefixOf('{"hello":"world"}')), null);
  assert.equal(mcpCallFromBody(prefixOf("not json")), null);
});

test("clients that announce the call in headers are taken at their word; only JSON POSTs are looked at", () => {
  assert.deepEqual(announcedMcpCall({ "mcp-method": "tools/call", "mcp-name": "add" }), { method: "tools/call", name: "add", error: null });
  assert.equal(announcedMcpCall({}), null);
  assert.equal(mayCarryMcpCall("POST", { "content-type": "application/json; charset=utf-8" }), true);
  assert.equal(mayCarryMcpCall("GET", { "content-type": "application/json" }), false);
  assert.equal(mayCarryMcpCall("POST", { "content-type": "text/plain" }), false);
});

test("an answer is an error when it is a JSON-RPC error or a tool's own failure, in JSON or in the stream's first event", () => {
  assert.equal(answeredWithError(prefixOf('{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"no"}}'), "json"), true);
  assert.equal(answeredWithError(prefixOf('{"jsonrpc":"2.0","id":1,"result":{"content":[]}}'), "json"), false);
  assert.equal(answeredWithError(prefixOf('{"jsonrpc":"2.0","id":1,"result":{"isError":true,"content":[]}}'), "json"), true);
  assert.equal(answeredWithError(prefixOf('event: message\ndata: {"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"x"}}\n\n'), "event-stream"), true);
  assert.equal(answeredWithError(prefixOf('event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\ndata: {"error":1}\n\n'), "event-stream"), false);
  assert.equal(answeredWithError(prefixOf("<html>"), "json"), null);
});
