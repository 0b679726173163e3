import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import pg from "pg";
import { applyMigrations } from "@/lib/database/migrations";
import type { RunningApp } from "@/testkit/app";
import { type Harness, harness } from "@/testkit/harness";
import { DisposablePostgres } from "@/testkit/postgres-server";
import { skipUnless } from "@/testkit/suite";
import type { TestUpstream } from "@/testkit/upstream";
import { sleep } from "@/testkit/wait";

// Starts its own PostgreSQL cluster and app (the shared server must stay up); once, on the PostgreSQL + Redis run.
const skip = skipUnless({ database: "postgres", gateway: "fast" });

const postgres = new DisposablePostgres();
let h: Harness<TestUpstream>;
let database: pg.Pool;
let app: RunningApp;
let deploymentPath: string;
let deploymentId: string;

before(async (t) => {
  if (skip) return;
  // The owner signs in through the suite's app; the deployment lives in the cluster below.
  h = await harness(t, { deployment: false });
  h.defer(() => postgres.destroy());
  await postgres.create();
  const url = await postgres.url();
  await applyMigrations(url);
  database = new pg.Pool({ connectionString: url, max: 2 });
  database.on("error", () => undefined);
  h.defer(() => database.end());
  [app] = await h.startApps([
    {
      DATABASE_URL: url,
      // The client address comes from a trusted proxy's X-Forwarded-For, and its country from the local database.
      GATEWAY_TRUSTED_PROXIES: "1",
      GATEWAY_COUNTRY_HEADER: "",
      // Lookups expire within the outage: the gateway serves what it saw last (GATEWAY_STALE_IF_ERROR_MS).
      GATEWAY_DEPLOYMENT_CACHE_TTL_MS: "1000",
      GATEWAY_RATE_LIMIT_USER: "1000000/1m",
    },
  ]);
  // The session is a JWT: a user signed in through the suite's app is the same user here, given the same id.
  deploymentId = `dur-${randomUUID()}`;
  await database.query(`insert into "User" (id, email) values ($1, $2)`, [h.owner.id, h.owner.email]);
  await database.query(
    `insert into "Deployment" (id, "userId", name, target, "rateLimit", "rateLimitWindowSeconds", "updatedAt") values ($1, $2, 'durable', $3, 1000000, 60, now())`,
    [deploymentId, h.owner.id, h.upstream.url],
  );
  deploymentPath = `/api/gateway/${h.owner.id}/${deploymentId}`;
});

test("with PostgreSQL stopped for a few seconds under 5,000 requests at concurrency 50, deployments already seen are served past their cache life, new lookups get 503, no request gets a 500, and every request's row is written once it is back", {
  skip,
}, async (t) => {
  const prefix = `durable-${randomUUID()}`;
  const minimum = 5_000;
  const concurrency = 50;
  const statuses = new Map<number, number>();
  let sent = 0;
  let firstFailure = "";
  let restarted = false;
  const started = performance.now();
  const load = Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!restarted || sent < minimum) {
        const i = sent++;
        const response = await fetch(`${app.url}${deploymentPath}/n/${i}`, {
          headers: { cookie: h.owner.cookie, "x-request-id": `${prefix}-${i}`, "x-forwarded-for": "81.2.69.142" },
        });
        const body = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status !== 200) firstFailure ||= `${response.status} ${body}`;
      }
    }),
  );
  await sleep(1_500);
  await postgres.stop();
  const sentBeforeStop = sent;
  // Deployments this instance never saw need the database: a 503 to retry, not a 500, all through the outage.
  const unseenStatuses: number[] = [];
  for (let probe = 0; probe < 8; probe++) {
    await sleep(500);
    const unseen = await fetch(`${app.url}/api/gateway/${h.owner.id}/never-seen-${randomUUID().slice(0, 8)}/`, { headers: { cookie: h.owner.cookie } });
    unseenStatuses.push(unseen.status);
    if (probe === 0) {
      assert.equal(unseen.headers.get("retry-after"), "5");
      assert.equal(((await unseen.json()) as { type: string }).type, "urn:gatehouse:problem:database-unavailable");
    } else await unseen.arrayBuffer();
  }
  const sentWhileDown = sent - sentBeforeStop;
  await postgres.start();
  await sleep(1_500);
  restarted = true;
  await load;
  const seconds = (performance.now() - started) / 1_000;

  assert.deepEqual(unseenStatuses, Array(8).fill(503), "every new lookup during the outage is a 503");
  assert.deepEqual([...statuses.keys()], [200], `every request to the deployment already seen is served (first failure: ${firstFailure})`);
  assert.ok(sent >= minimum, `${sent} requests`);
  assert.ok(sentWhileDown > 100, `requests flowed while the database was down (${sentWhileDown})`);
  assert.match(app.output(), /could not write \d+ request rows/, "the recorder saw the outage");

  let rows: { requestId: string; country: string | null }[] = [];
  for (let waited = 0; waited < 60_000 && rows.length < sent; waited += 500) {
    await sleep(500);
    rows = (await database.query(`select "requestId", country from "RequestLog" where "requestId" like $1`, [`${prefix}-%`])).rows;
  }
  t.diagnostic(
    `${sent} requests in ${seconds.toFixed(1)} s at concurrency ${concurrency}, ${sentWhileDown} of them during a 4 s outage; every row written ${((performance.now() - started) / 1_000 - seconds).toFixed(1)} s after the load ended`,
  );
  assert.equal(rows.length, sent, "one row per request, none lost");
  assert.equal(new Set(rows.map((row) => row.requestId)).size, sent, "none written twice");
  assert.ok(
    rows.every((row) => row.country === "GB"),
    "country from the IP-to-country database",
  );
  const rolledUp = await database.query(`select coalesce(sum(requests), 0)::int as total from "RequestRollup" where "deploymentId" = $1`, [deploymentId]);
  assert.equal(rolledUp.rows[0].total, sent, "the rollups count each request once");
});
