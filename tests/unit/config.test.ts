import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseConfig } from "@/lib/config";

const secret = "x".repeat(32);

test("defaults apply when only the secret is given", () => {
  const config = parseConfig({ NEXTAUTH_SECRET: secret });
  assert.equal(config.DATABASE_URL, undefined);
  assert.equal(config.GATEWAY_TRUSTED_PROXIES, 0);
  assert.ok(config.GATEWAY_BODY_IDLE_TIMEOUT_MS >= 300_000);
  assert.equal(config.GATEWAY_FAST_PATH, true);
});

test("empty variables count as unset", () => {
  assert.equal(parseConfig({ NEXTAUTH_SECRET: secret, DATABASE_URL: "" }).DATABASE_URL, undefined);
});

test("every bad variable is named in one error", () => {
  assert.throws(
    () =>
      parseConfig({
        NEXTAUTH_SECRET: "short",
        DATABASE_URL: "mysql://x",
        GATEWAY_TRUSTED_PROXIES: "-1",
        GITHUB_ID: "id",
        GATEWAY_FAST_PATH: "yes",
        GATEWAY_RATE_LIMIT_LEASE: "50",
      }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      for (const name of ["NEXTAUTH_SECRET", "DATABASE_URL", "GATEWAY_TRUSTED_PROXIES", "GITHUB_SECRET", "GATEWAY_FAST_PATH", "GATEWAY_RATE_LIMIT_LEASE"]) {
        assert.match(error.message, new RegExp(name));
      }
      return true;
    },
  );
});

test("a missing secret says it is required", () => {
  assert.throws(() => parseConfig({}), /NEXTAUTH_SECRET is required/);
});
