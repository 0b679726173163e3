import { createHmac } from "node:crypto";
import { fetch } from "undici";
import { ruleConditionFields } from "@/lib/alerts/rules";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import { outboundDispatcher } from "@/lib/http/outbound";
import { processSingleton } from "@/lib/runtime/process-singleton";

const signatureHeader = "x-gatehouse-signature";
const timestampHeader = "x-gatehouse-timestamp";
/** Attempts per notification before it is marked failed; retries wait RETRY_MS, then twice that, and so on. */
const maxWebhookAttempts = 5;

/**
 * `sha256=` + hex HMAC-SHA256, keyed with the rule's secret, of `{timestamp}.{raw body}`. Signing the
 * timestamp with the body lets a receiver refuse replays of an old delivery by checking its age.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * Takes the deliveries that are due and pushes their next attempt past the time one attempt can take, so
 * no other instance sends them meanwhile (the lease is replaced by the attempt's outcome).
 */
async function claimDueDeliveries(leaseMs: number, limit = 50): Promise<string[]> {
  const rows = await db().$queryRaw<{ id: string }[]>`
    UPDATE "Alert" SET "webhookNextAttemptAt" = now() AT TIME ZONE 'UTC' + make_interval(secs => ${leaseMs / 1000}::float8)
    WHERE id IN (
      SELECT id FROM "Alert"
      WHERE "webhookStatus" = 'pending' AND "webhookNextAttemptAt" <= now() AT TIME ZONE 'UTC'
      ORDER BY "webhookNextAttemptAt"
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    AND "webhookStatus" = 'pending' AND "webhookNextAttemptAt" <= now() AT TIME ZONE 'UTC'
    RETURNING id`;
  return rows.map((row) => row.id);
}

type Delivery = Awaited<ReturnType<typeof loadDeliveries>>[number];

function loadDeliveries(ids: string[]) {
  return db().alert.findMany({
    where: { id: { in: ids } },
    include: {
      rule: {
        select: {
          ...ruleConditionFields,
          webhookSecret: true,
          deployment: { select: { id: true, name: true } },
        },
      },
    },
  });
}

/** One connection pool for every delivery; internal addresses only when ALERTS_WEBHOOK_ALLOW_INTERNAL is set. */
const dispatcher = processSingleton("webhook-dispatcher", () => outboundDispatcher(config().ALERTS_WEBHOOK_ALLOW_INTERNAL));

/** Sends one notification; resolves with null on a 2xx answer, else with what went wrong. */
async function send(alert: Delivery, timeoutMs: number): Promise<string | null> {
  const { rule } = alert;
  if (!rule.webhookUrl || !rule.webhookSecret) return "the rule no longer has a webhook";
  const body = JSON.stringify({
    id: alert.id,
    rule: { id: rule.id, kind: rule.kind, threshold: rule.threshold, windowMinutes: rule.windowMinutes },
    deployment: { id: rule.deployment.id, name: rule.deployment.name },
    state: alert.state,
    value: alert.value,
    message: alert.message,
    at: alert.at.toISOString(),
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  try {
    const response = await fetch(rule.webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Gatehouse-Webhook/1",
        [timestampHeader]: timestamp,
        [signatureHeader]: webhookSignature(rule.webhookSecret, timestamp, body),
      },
      body,
      // A redirect is the receiver's mistake to fix, not a hop to follow with the signature attached.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      dispatcher: dispatcher(),
    });
    await response.body?.cancel();
    return response.ok ? null : `HTTP ${response.status}`;
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    return (error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (cause?.message ?? (error as Error).message);
  }
}

async function attempt(alert: Delivery): Promise<void> {
  const { ALERTS_WEBHOOK_TIMEOUT_MS: timeoutMs, ALERTS_WEBHOOK_RETRY_MS: retryMs } = config();
  const failure = await send(alert, timeoutMs);
  const attempts = alert.webhookAttempts + 1;
  if (failure === null) {
    await db().alert.update({
      where: { id: alert.id },
      data: { webhookStatus: "delivered", webhookAttempts: attempts, webhookNextAttemptAt: null, webhookLastError: null },
    });
    return;
  }
  const gaveUp = attempts >= maxWebhookAttempts;
  await db().alert.update({
    where: { id: alert.id },
    data: {
      webhookStatus: gaveUp ? "failed" : "pending",
      webhookAttempts: attempts,
      webhookNextAttemptAt: gaveUp ? null : new Date(Date.now() + retryMs * 2 ** (attempts - 1)),
      webhookLastError: failure.slice(0, 500),
    },
  });
}

/** Sends every delivery that is due, in parallel; each one's outcome is written to its Alert row. */
export async function deliverDueWebhooks(): Promise<void> {
  const ids = await claimDueDeliveries(config().ALERTS_WEBHOOK_TIMEOUT_MS + 5_000);
  if (!ids.length) return;
  const results = await Promise.allSettled((await loadDeliveries(ids)).map(attempt));
  for (const result of results) {
    if (result.status === "rejected") console.warn(`[gatehouse] could not record a webhook attempt: ${(result.reason as Error).message}`);
  }
}
