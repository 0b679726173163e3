import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type Harness, harness } from "@/testkit/harness";
import { McpUpstream } from "@/testkit/mcp-upstream";

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
