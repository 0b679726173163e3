import type pg from "pg";
import type { RequestRow } from "@/lib/request-log/recorder";
import { type MinuteTotals, rollUp } from "@/lib/request-log/rollups";

// Each statement has one fixed shape whatever the batch size (a column is one array parameter): the
// process builds no SQL per batch and sends one parameter per column, not one per column and row. Unnamed on purpose: the
// embedded database serves every connection from one session, where statement names would collide.
const insertRows = `
  insert into "RequestLog" ("at", "requestId", "userId", "deploymentId", "method", "path", "status", "outcome",
    "durationMs", "ttfbMs", "bytesIn", "bytesOut", "country", "clientAddress", "userAgentFamily", "via", "mcpMethod", "mcpName", "mcpError")
  select * from unnest($1::timestamp[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[],
    $9::int[], $10::int[], $11::bigint[], $12::bigint[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::boolean[])`;

// Joined with Deployment so that requests naming a deployment that no longer exists add nothing; the
// histogram arrives as one array literal per minute because unnest would flatten a two-dimensional array.
const addMinuteTotals = `
  insert into "RequestRollup" as r ("deploymentId", "minute", "requests", "status1xx", "status2xx", "status3xx", "status4xx",
    "status5xx", "rateLimited", "durationMsSum", "latencyBuckets", "bytesIn", "bytesOut")
  select t.deployment_id, t.minute, t.requests, t.s1, t.s2, t.s3, t.s4, t.s5, t.rate_limited, t.duration_sum, t.buckets::int[], t.bytes_in, t.bytes_out
  from unnest($1::text[], $2::timestamp[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::bigint[],
    $11::text[], $12::bigint[], $13::bigint[])
    as t(deployment_id, minute, requests, s1, s2, s3, s4, s5, rate_limited, duration_sum, buckets, bytes_in, bytes_out)
  join "Deployment" d on d.id = t.deployment_id
  on conflict ("deploymentId", "minute") do update set
    "requests" = r."requests" + excluded."requests",
    "status1xx" = r."status1xx" + excluded."status1xx",
    "status2xx" = r."status2xx" + excluded."status2xx",
    "status3xx" = r."status3xx" + excluded."status3xx",
    "status4xx" = r."status4xx" + excluded."status4xx",
    "status5xx" = r."status5xx" + excluded."status5xx",
    "rateLimited" = r."rateLimited" + excluded."rateLimited",
    "durationMsSum" = r."durationMsSum" + excluded."durationMsSum",
    "latencyBuckets" = (select array_agg(coalesce(a, 0) + coalesce(b, 0) order by i)
                        from unnest(r."latencyBuckets", excluded."latencyBuckets") with ordinality as u(a, b, i)),
    "bytesIn" = r."bytesIn" + excluded."bytesIn",
    "bytesOut" = r."bytesOut" + excluded."bytesOut"`;

const addMcpCalls = `
  insert into "McpRollup" as m ("deploymentId", "hour", "method", "name", "calls", "errors", "latencyBuckets")
  select t.deployment_id, t.hour, t.method, t.name, t.calls, t.errors, t.buckets::int[]
  from unnest($1::text[], $2::timestamp[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[])
    as t(deployment_id, hour, method, name, calls, errors, buckets)
  join "Deployment" d on d.id = t.deployment_id
  on conflict ("deploymentId", "hour", "method", "name") do update set
    "calls" = m."calls" + excluded."calls",
    "errors" = m."errors" + excluded."errors",
    "latencyBuckets" = (select array_agg(coalesce(a, 0) + coalesce(b, 0) order by i)
                        from unnest(m."latencyBuckets", excluded."latencyBuckets") with ordinality as u(a, b, i))`;

const addHourCounts = `
  insert into "RequestBreakdown" as b ("deploymentId", "hour", "dimension", "value", "requests", "errors")
  select t.deployment_id, t.hour, t.dimension, t.value, t.requests, t.errors
  from unnest($1::text[], $2::timestamp[], $3::text[], $4::text[], $5::int[], $6::int[]) as t(deployment_id, hour, dimension, value, requests, errors)
  join "Deployment" d on d.id = t.deployment_id
  on conflict ("deploymentId", "hour", "dimension", "value") do update set
    "requests" = b."requests" + excluded."requests",
    "errors" = b."errors" + excluded."errors"`;

// Timestamps are stored as UTC wall time (Prisma's convention for `timestamp(3)`); an ISO string cast to
// `timestamp` keeps its wall time whatever the session's time zone.
const utc = (date: Date) => date.toISOString();

/** The parameters of an `unnest` insert: one array per column, in the statement's order; a column is a field or computed. */
function columns<T>(rows: readonly T[], ...fields: (keyof T | ((row: T) => unknown))[]): unknown[][] {
  return fields.map((field) => rows.map(typeof field === "function" ? field : (row) => row[field]));
}

/**
 * Writes a batch of request rows and adds them to the per-minute rollups and hourly breakdowns, in one
 * transaction: the rollups always agree with the raw rows, and a failed write leaves nothing behind to
 * double-count when the recorder retries the batch.
 */
export async function writeRequestBatch(pool: pg.Pool, rows: readonly RequestRow[]): Promise<void> {
  const { minutes, hours, mcpCalls } = rollUp(rows);
  const client = await pool.connect();
  try {
    await client.query("begin");
    await client.query({
      text: insertRows,
      values: columns(
        rows,
        (row) => utc(row.at),
        "requestId",
        "userId",
        "deploymentId",
        "method",
        "path",
        "status",
        "outcome",
        "durationMs",
        "ttfbMs",
        "bytesIn",
        "bytesOut",
        "country",
        "clientAddress",
        "userAgentFamily",
        "via",
        "mcpMethod",
        "mcpName",
        "mcpError",
      ),
    });
    if (minutes.length) {
      await client.query({
        text: addMinuteTotals,
        values: columns(
          minutes,
          "deploymentId",
          (totals) => utc(totals.minute),
          "requests",
          ...[0, 1, 2, 3, 4].map((index) => (totals: MinuteTotals) => totals.statusClasses[index]),
          "rateLimited",
          "durationMsSum",
          (totals) => `{${totals.latencyBuckets.join(",")}}`,
          "bytesIn",
          "bytesOut",
        ),
      });
      await client.query({
        text: addHourCounts,
        values: columns(hours, "deploymentId", (count) => utc(count.hour), "dimension", "value", "requests", "errors"),
      });
    }
    if (mcpCalls.length) {
      await client.query({
        text: addMcpCalls,
        values: columns(
          mcpCalls,
          "deploymentId",
          (calls) => utc(calls.hour),
          "method",
          "name",
          "calls",
          "errors",
          (calls) => `{${calls.latencyBuckets.join(",")}}`,
        ),
      });
    }
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
