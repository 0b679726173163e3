import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { db } from "@/lib/db";
import { testMetricsToken } from "@/testkit/app";
import { harness } from "@/testkit/harness";
import { skipUnless } from "@/testkit/suite";
import { eventually } from "@/testkit/wait";

// An app of its own with a small limit: once, on the PostgreSQL fast-path run.
const skip = skipUnless({ database: "postgres", gateway: "fast" });

test("an address sending requests without credentials is turned away past GATEWAY_RATE_LIMIT_ANONYMOUS: counted exactly, logged once", { skip }, async (t) => {
  const h = await harness(t, { apps: [{ GATEWAY_TRUSTED_PROXIES: "1", GATEWAY_RATE_LIMIT_ANONYMOUS: "3/1m" }] });
  const flooder = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
  const prefix = `flood-${randomUUID()}`;
  const refusalsBefore = await rateLimitedCount(h.app);
  const statuses = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    const response = await h.call(`${h.deployment.path}/`, {
      cookie: "",
      headers: { "x-forwarded-for": flooder, authorization: `Bearer ght_${randomUUID()}`, "x-request-id": `${prefix}-${attempt}` },
    });
    statuses.push(response.status);
    if (response.status === 429) assert.ok(Number(response.headers.get("retry-after")) > 0);
  }
  assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429]);
  const other = await h.call(`${h.deployment.path}/`, { cookie: "", headers: { "x-forwarded-for": "203.0.113.9" } });
  assert.equal(other.status, 401, "other addresses are not affected");
  const signedIn = await h.call(`${h.deployment.path}/`, { headers: { "x-forwarded-for": "203.0.113.10" } });
  assert.equal(signedIn.status, 200);

  await eventually("the first refusals are logged", async () => (await db().requestLog.count({ where: { requestId: { startsWith: prefix } } })) === 3);
  assert.equal(await rateLimitedCount(h.app), refusalsBefore + 3, "every turned-away request is counted in metrics");
});

async function rateLimitedCount(app: string): Promise<number> {
  const text = await (await fetch(`${app}/api/metrics`, { headers: { authorization: `Bearer ${testMetricsToken}` } })).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("gatehouse_gateway_requests_total{") && line.includes('outcome="rate-limited"'))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}
