import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { db } from "@/lib/db";
import { type Harness, harness } from "@/testkit/harness";
import { McpUpstream } from "@/testkit/mcp-upstream";
import { eventually } from "@/testkit/wait";

// The official MCP SDK on both sides, through the hub's gateway URL, on every pass (both gateway paths).
let h: Harness<McpUpstream>;
let token: string;
before(async (t) => {
  h = await harness(t, { upstream: new McpUpstream() });
  token = await h.apiToken();
});

/** The SDK's fetch, with the gateway's API token on every request it makes (the stream and the messages). */
const withToken = (url: string | URL, init?: RequestInit) => {
  const headers = new Headers(init?.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(url, { ...init, headers });
};

async function useTools(transport: Transport): Promise<void> {
  const client = new Client({ name: "gatehouse-test-client", version: "1.0.0" });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ["add", "whoami"]);
    const sum = await client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
    assert.deepEqual(sum.content, [{ type: "text", text: "42" }]);
    const who = await client.callTool({ name: "whoami", arguments: {} });
    assert.deepEqual(who.content, [{ type: "text", text: h.owner.id }]);
  } finally {
    await client.close();
  }
}

test("an MCP client uses the older HTTP+SSE transport through the gateway URL: the endpoint it is told stays inside the prefix", async () => {
  const seen = h.upstream.seen.authorization.length;
  await useTools(new SSEClientTransport(new URL(`${h.app}${h.deployment.path}/sse`), { fetch: withToken }));
  const reached = h.upstream.seen.authorization.slice(seen);
  assert.ok(reached.length >= 3, "the stream and the messages reached the deployment");
  assert.deepEqual(new Set(reached), new Set([undefined]), "the deployment never sees the gateway's token");
});

test("an MCP client uses Streamable HTTP through the gateway URL", async () => {
  const seen = h.upstream.seen.authorization.length;
  await useTools(new StreamableHTTPClientTransport(new URL(`${h.app}${h.deployment.path}/mcp`), { fetch: withToken }));
  assert.deepEqual(new Set(h.upstream.seen.authorization.slice(seen)), new Set([undefined]));
});

test("MCP calls are recorded by method and tool, with failed calls marked, on both transports, and rolled up per hour", async () => {
  const deployment = await h.deploy();
  for (const transport of [
    new StreamableHTTPClientTransport(new URL(`${h.app}${deployment.path}/mcp`), { fetch: withToken }),
    new SSEClientTransport(new URL(`${h.app}${deployment.path}/sse`), { fetch: withToken }),
  ]) {
    const client = new Client({ name: "gatehouse-test-client", version: "1.0.0" });
    await client.connect(transport);
    try {
      await client.callTool({ name: "add", arguments: { a: 1, b: 2 } });
      await client.callTool({ name: "no-such-tool", arguments: {} }).catch(() => undefined);
    } finally {
      await client.close();
    }
  }
  // A 2026-07-28 client names its call in headers; the gateway takes them without reading the body.
  await fetch(`${h.app}${deployment.path}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-method": "tools/call",
      "mcp-name": "whoami",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "whoami", arguments: {} } }),
  }).then((response) => response.text());

  const calls = () =>
    db().requestLog.findMany({ where: { deploymentId: deployment.id, mcpMethod: { not: null } }, select: { mcpMethod: true, mcpName: true, mcpError: true } });
  await eventually("the calls are recorded", async () => (await calls()).filter((row) => row.mcpMethod === "tools/call").length === 5);
  const toolCalls = (await calls()).filter((row) => row.mcpMethod === "tools/call").map((row) => `${row.mcpName}:${row.mcpError}`);
  // The older transport answers a POST with 202 and the result on its stream: whether that call failed is not known (null).
  assert.deepEqual(toolCalls.sort(), ["add:false", "add:null", "no-such-tool:null", "no-such-tool:true", "whoami:false"]);
  assert.ok((await calls()).some((row) => row.mcpMethod === "initialize"));
  const rollups = await db().mcpRollup.findMany({ where: { deploymentId: deployment.id, method: "tools/call" } });
  const byName = Object.fromEntries(rollups.map((row) => [row.name, [row.calls, row.errors]]));
  assert.deepEqual(byName, { add: [2, 0], "no-such-tool": [2, 1], whoami: [1, 0] });
});
