import assert from "node:assert/strict";
import { test } from "node:test";
import { encode } from "next-auth/jwt";
import { SessionTokenVerifier, sessionTokenFromCookies } from "@/lib/auth/session-token";

const secret = "unit-test-secret-0123456789abcdef0123456789";

test("tokens next-auth encodes are verified, then remembered; others are refused", async () => {
  const verifier = new SessionTokenVerifier(secret);
  const token = await encode({ token: { sub: "user-1" }, secret, maxAge: 60 });
  assert.equal(await verifier.userId(token), "user-1");
  assert.equal(await verifier.userId(token), "user-1");
  assert.equal(await verifier.userId(await encode({ token: { sub: "user-1" }, secret: `${secret}-other`, maxAge: 60 })), null);
  assert.equal(await verifier.userId(`${token.slice(0, -3)}abc`), null);
  assert.equal(await verifier.userId(await encode({ token: { sub: "user-1" }, secret, maxAge: -60 })), null, "expired");
  assert.equal(await verifier.userId(undefined), null);
});

test("chunked session cookies are joined", () => {
  const cookies = new Map([
    ["next-auth.session-token.0", "abc"],
    ["next-auth.session-token.1", "def"],
  ]);
  assert.equal(sessionTokenFromCookies(cookies), "abcdef");
});
