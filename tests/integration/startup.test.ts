import assert from "node:assert/strict";
import { test } from "node:test";
import { runAppUntilExit } from "@/testkit/app";
import { harness } from "@/testkit/harness";
import { withScratchDatabase } from "@/testkit/scratch-database";
import { skipUnless } from "@/testkit/suite";
import type { Echo } from "@/testkit/upstream";

// These start their own app processes; once, on the PostgreSQL fast-path run, is enough.
const skip = skipUnless({ database: "postgres", gateway: "fast" });

test("a wrong setting stops start-up with a message naming each variable", { skip }, async () => {
  const { code, output } = await runAppUntilExit({ GATEWAY_TRUSTED_PROXIES: "many", DATABASE_URL: "mysql://nope", NEXTAUTH_SECRET: "short" });
  assert.equal(code, 1);
  for (const name of ["GATEWAY_TRUSTED_PROXIES", "DATABASE_URL", "NEXTAUTH_SECRET"]) assert.match(output, new RegExp(name));
  assert.doesNotMatch(output, /\n\s+at /, "no stack trace");
});

test("a database with pending migrations is refused with the command that fixes it", { skip }, async () => {
  await withScratchDatabase("gatehouse_unmigrated", async (url) => {
    const { code, output } = await runAppUntilExit({ DATABASE_URL: url });
    assert.equal(code, 1);
    assert.match(output, /pending migration/);
    assert.match(output, /npm run db:migrate/);
  });
});

test("with one trusted proxy, the client address comes from the proxy's X-Forwarded-For and nothing earlier", { skip }, async (t) => {
  const { call, deployment } = await harness(t, { apps: [{ GATEWAY_TRUSTED_PROXIES: "1" }] });
  const response = await call(`${deployment.path}/`, {
    headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.9", "x-forwarded-proto": "https", "x-forwarded-host": "public.example" },
  });
  const seen = (await response.json()) as Echo;
  assert.equal(seen.headers["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
  assert.equal(seen.headers["x-forwarded-proto"], "https");
  assert.equal(seen.headers["x-forwarded-host"], "public.example");
  assert.match(response.headers.get("strict-transport-security") ?? "", /max-age/, "HSTS when served over https");
});

test("the hub's pages carry HSTS when served over https, and only then", { skip }, async (t) => {
  const { call } = await harness(t, { upstream: null, apps: [{ GATEWAY_TRUSTED_PROXIES: "1" }] });
  const overHttps = await call("/signin", { headers: { "x-forwarded-proto": "https" } });
  assert.equal(overHttps.headers.get("strict-transport-security"), "max-age=31536000; includeSubDomains");
  const overHttp = await call("/signin");
  assert.equal(overHttp.headers.get("strict-transport-security"), null);
});
