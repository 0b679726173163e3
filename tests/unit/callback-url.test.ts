import assert from "node:assert/strict";
import { test } from "node:test";
import { safeCallbackUrl } from "@/lib/auth/callback-url";

test("only paths on the hub are returned to after sign-in", () => {
  for (const good of ["/dashboard", "/app-handoff?deployment=d1&path=%2F", "/dashboard/deployments/d1?range=1h"]) assert.equal(safeCallbackUrl(good), good);
  for (const bad of ["//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "https://evil.example", "evil", ""]) {
    assert.equal(safeCallbackUrl(bad), "/dashboard", JSON.stringify(bad));
  }
  assert.equal(safeCallbackUrl(["/first", "//second"]), "/first");
  assert.equal(safeCallbackUrl(undefined), "/dashboard");
});
