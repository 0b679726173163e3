import assert from "node:assert/strict";
import { after, test } from "node:test";
import pg from "pg";
import { runAppUntilExit, startApp } from "@/tests/support/app";
import { newDeployment, newUser } from "@/tests/support/fixtures";
import { type Echo, TestUpstream } from "@/tests/support/upstream";

// These start their own app processes; once, on the PostgreSQL fast-path run, is enough.
const skip = process.env.GATEHOUSE_TEST_DATABASE !== "postgres" || process.env.GATEHOUSE_TEST_GATEWAY_MODE !== "fast";

test("a wrong setting stops start-up with a message naming each variable", { skip }, async () => {
  const { code, output } = await runAppUntilExit({ GATEWAY_TRUSTED_PROXIES: "many", DATABASE_URL: "mysql://nope", NEXTAUTH_SECRET: "short" });
  assert.equal(code, 1);
  for (const name of ["GATEWAY_TRUSTED_PROXIES", "DATABASE_URL", "NEXTAUTH_SECRET"]) assert.match(output, new RegExp(name));
  assert.doesNotMatch(output, /\n\s+at /, "no stack trace");
});

test("a database with pending migrations is refused with the command that fixes it", { skip }, async () => {
  const adminUrl = process.env.GATEHOUSE_TEST_ADMIN_URL!;
  const name = `gatehouse_unmigrated_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const { code, output } = await runAppUntilExit({ DATABASE_URL: url.toString() });
    assert.equal(code, 1);
    assert.match(output, /pending migration/);
    assert.match(output, /npm run db:migrate/);
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
});

test("with one trusted proxy, the client address comes from the proxy's X-Forwarded-For and nothing earlier", { skip }, async () => {
  const upstream = new TestUpstream();
  await upstream.start();
  const app = await startApp({ DATABASE_URL: process.env.DATABASE_URL, GATEWAY_TRUSTED_PROXIES: "1" });
  after(async () => {
    await app.stop();
    await upstream.stop();
  });
  const owner = await newUser();
  const deployment = await newDeployment(owner, upstream.url);
  const response = await fetch(`${app.url}${deployment.path}/`, {
    headers: { cookie: owner.cookie, "x-forwarded-for": "6.6.6.6, 203.0.113.9", "x-forwarded-proto": "https", "x-forwarded-host": "public.example" },
  });
  const seen = (await response.json()) as Echo;
  assert.equal(seen.headers["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
  assert.equal(seen.headers["x-forwarded-proto"], "https");
  assert.equal(seen.headers["x-forwarded-host"], "public.example");
  assert.match(response.headers.get("strict-transport-security") ?? "", /max-age/, "HSTS when served over https");
});
