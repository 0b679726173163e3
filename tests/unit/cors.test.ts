import assert from "node:assert/strict";
import { test } from "node:test";
import type { RoutableDeployment } from "@/lib/deployments/cache";
import { corsHeaders, isPreflight, preflightHeaders, withCors } from "@/lib/gateway/cors";

const deployment = (origins: string[]): RoutableDeployment => ({
  id: "d1",
  userId: "u1",
  name: "app",
  target: new URL("http://h"),
  status: "running",
  corsOrigins: new Set(origins),
  rate: null,
});

test("a preflight needs an origin and a requested method", () => {
  assert.ok(isPreflight("OPTIONS", { origin: "https://a.example", "access-control-request-method": "POST" }));
  assert.ok(!isPreflight("OPTIONS", { origin: "https://a.example" }));
  assert.ok(!isPreflight("POST", { origin: "https://a.example", "access-control-request-method": "POST" }));
});

test("an allowed origin is reflected with credentials; others get nothing", () => {
  const allowed = corsHeaders("https://a.example", deployment(["https://a.example"]));
  assert.equal(allowed["access-control-allow-origin"], "https://a.example");
  assert.equal(allowed["access-control-allow-credentials"], "true");
  assert.deepEqual(corsHeaders("https://b.example", deployment(["https://a.example"])), {});
  assert.deepEqual(corsHeaders("https://a.example", deployment([])), {});
});

test("a wildcard never comes with credentials", () => {
  const open = corsHeaders("https://b.example", deployment(["*"]));
  assert.equal(open["access-control-allow-origin"], "*");
  assert.equal(open["access-control-allow-credentials"], undefined);
});

test("preflight answers list the MCP and SSE headers", () => {
  const headers = preflightHeaders("https://a.example", deployment(["https://a.example"]))!;
  for (const name of ["Authorization", "Content-Type", "MCP-Protocol-Version", "Mcp-Session-Id", "Last-Event-ID"]) {
    assert.match(String(headers["access-control-allow-headers"]), new RegExp(name));
  }
  assert.equal(preflightHeaders("https://b.example", deployment(["https://a.example"])), null);
});

test("MCP clients in a browser may send every MCP header, and read the session, version and challenge", () => {
  const preflight = preflightHeaders("https://a.example", deployment(["https://a.example"]), "mcp-method, Mcp-Param-City, content-type, x-other, mcp-param-");
  const allowed = String(preflight?.["access-control-allow-headers"]).toLowerCase().split(", ");
  for (const name of ["mcp-protocol-version", "mcp-session-id", "mcp-method", "mcp-name", "last-event-id", "authorization", "mcp-param-city"]) {
    assert.ok(allowed.includes(name), name);
  }
  assert.ok(!allowed.includes("x-other"));
  assert.ok(!allowed.includes("mcp-param-"));
  const exposed = String(corsHeaders("https://a.example", deployment(["https://a.example"]))["access-control-expose-headers"]).toLowerCase();
  for (const name of ["mcp-session-id", "mcp-protocol-version", "www-authenticate"]) assert.ok(exposed.includes(name), name);
});

test("CORS's Vary is merged with the deployment's own, not put in its place", () => {
  assert.deepEqual(
    withCors({ vary: "Accept-Encoding", "content-type": "text/plain" }, { "access-control-allow-origin": "https://a.example", vary: "Origin" }),
    {
      vary: "Accept-Encoding, Origin",
      "content-type": "text/plain",
      "access-control-allow-origin": "https://a.example",
    },
  );
  assert.equal(withCors({ vary: "origin, Accept" }, { vary: "Origin" }).vary, "Origin, Accept");
  assert.equal(withCors({ vary: "*" }, { vary: "Origin" }).vary, "*");
  assert.equal(withCors({}, { vary: "Origin" }).vary, "Origin");
});
