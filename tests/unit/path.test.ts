import assert from "node:assert/strict";
import { test } from "node:test";
import { routableDeployment } from "@/lib/deployments/cache";
import { resolveAppPath, resolveGatewayPath } from "@/lib/gateway/path";
import { Problem } from "@/lib/http/problems";

test("the deployment root without a slash redirects, keeping the query", () => {
  assert.deepEqual(resolveGatewayPath("/api/gateway/u1/d1", "?x=1"), { redirect: "/api/gateway/u1/d1/?x=1" });
});

test("the upstream path keeps its encoding and empty segments", () => {
  const resolved = resolveGatewayPath("/api/gateway/u1/d1/a%20b//c/", "");
  assert.ok("target" in resolved);
  assert.deepEqual(resolved.target, { via: "gateway-path", userId: "u1", deploymentId: "d1", prefix: "/api/gateway/u1/d1", upstreamPath: "/a%20b//c/" });
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

test("on an app origin the whole raw path is the deployment's, but for the gateway's reserved prefix", () => {
  assert.deepEqual(resolveAppPath("d1", "/a/../%2e%2e/b"), {
    target: { via: "app-origin", userId: null, deploymentId: "d1", prefix: "", upstreamPath: "/a/../%2e%2e/b" },
  });
  assert.deepEqual(resolveAppPath("d1", "/__gatehouse/handoff"), { handoff: "d1" });
  for (const [deploymentId, path, status] of [
    ["d1", "/__gatehouse/other", 404],
    ["", "/", 404],
    ["d1", "*", 400],
  ] as const) {
    assert.throws(
      () => resolveAppPath(deploymentId, path),
      (error: unknown) => error instanceof Problem && error.status === status,
      path,
    );
  }
});

test("a deployment id no deployment can have is unknown at once, without a lookup", () => {
  for (const id of ["a/b", "", "x".repeat(65), "%2e%2e", "a.b", "caf\u00e9"]) assert.equal(routableDeployment(id), null, id);
});
