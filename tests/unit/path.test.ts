import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveGatewayPath } from "@/lib/gateway/path";
import { Problem } from "@/lib/http/problems";

test("the deployment root without a slash redirects, keeping the query", () => {
  assert.deepEqual(resolveGatewayPath("/api/gateway/u1/d1", "?x=1"), { redirect: "/api/gateway/u1/d1/?x=1" });
});

test("the upstream path keeps its encoding and empty segments", () => {
  const resolved = resolveGatewayPath("/api/gateway/u1/d1/a%20b//c/", "");
  assert.ok("target" in resolved);
  assert.deepEqual(resolved.target, { userId: "u1", deploymentId: "d1", prefix: "/api/gateway/u1/d1", upstreamPath: "/a%20b//c/" });
});

test("traversal, encoded separators, NUL and malformed escapes are refused with 400", () => {
  for (const rest of ["..", ".", "%2e%2E", "a/../b", "..%2fx", "x%5cy", "x\\y", "%00", "%E0%A4%A", "%"]) {
    assert.throws(
      () => resolveGatewayPath(`/api/gateway/u1/d1/${rest}`, ""),
      (error: unknown) => error instanceof Problem && error.status === 400,
      rest,
    );
  }
  assert.throws(() => resolveGatewayPath("/api/gateway/u1/../d1/x", ""), Problem);
});
