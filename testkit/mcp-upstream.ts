import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import { LoopbackServer } from "./loopback-server";

/** The MCP server a test deploys, built with the official SDK: two tools, both transports. */
function mcpServer(seen: { authorization: (string | undefined)[] }, request: IncomingMessage): McpServer {
  seen.authorization.push(request.headers.authorization);
  const server = new McpServer({ name: "gatehouse-test-mcp", version: "1.0.0" });
  server.registerTool("add", { description: "Adds two numbers", inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
    content: [{ type: "text", text: String(a + b) }],
  }));
  server.registerTool("whoami", { description: "The user the gateway says is calling" }, async () => ({
    content: [{ type: "text", text: String(request.headers["x-gatehouse-user-id"] ?? "") }],
  }));
  return server;
}

/**
 * An MCP deployment: Streamable HTTP at `/mcp` (stateless), and the older HTTP+SSE transport at `/sse`
 * with messages POSTed to `/messages?sessionId=…`, the absolute path the SDK always announces.
 */
export class McpUpstream extends LoopbackServer {
  /** The Authorization header of every request that reached the server: the gateway's token must never be there. */
  readonly seen = { authorization: [] as (string | undefined)[] };
  private readonly sessions = new Map<string, SSEServerTransport>();

  constructor() {
    super(
      createServer((request, response) => {
        this.route(request, response).catch((error) => response.destroy(error));
      }),
    );
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://upstream");
    if (url.pathname === "/mcp") {
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      response.once("close", () => void transport.close());
      await mcpServer(this.seen, request).connect(transport);
      await transport.handleRequest(request, response);
      return;
    }
    if (url.pathname === "/sse" && request.method === "GET") {
      const transport = new SSEServerTransport("/messages", response);
      this.sessions.set(transport.sessionId, transport);
      response.once("close", () => this.sessions.delete(transport.sessionId));
      await mcpServer(this.seen, request).connect(transport);
      return;
    }
    if (url.pathname === "/messages" && request.method === "POST") {
      this.seen.authorization.push(request.headers.authorization);
      const transport = this.sessions.get(url.searchParams.get("sessionId") ?? "");
      if (!transport) {
        response.writeHead(404).end("no such session");
        return;
      }
      await transport.handlePostMessage(request, response);
      return;
    }
    response.writeHead(404).end();
  }
}
