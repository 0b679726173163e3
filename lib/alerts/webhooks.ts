import { createHmac } from "node:crypto";
import { fetch } from "undici";
import { ruleConditionFields } from "@/lib/alerts/rules";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import { outboundDispatcher } from "@/lib/http/outbound";
import { CountedSlots } from "@/lib/runtime/counted-slots";
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

/** Deliveries under way on this instance: counted per destination host, and kept for shutdown to wait on. */
const underWay = processSingleton("webhooks-under-way", () => ({ perHost: new CountedSlots(), all: new Set<Promise<void>>() }));
const postponeMs = 1_000;

/**
 * Starts every delivery that is due, without waiting for them: a slow receiver holds up only its own
 * deliveries, never the next pass. At most ALERTS_WEBHOOKS_PER_DESTINATION go to one host at once; the
 * rest are put back for a second later, attempts untouched. Each outcome is written to its Alert row.
 */
export async function deliverDueWebhooks(): Promise<void> {
  const { ALERTS_WEBHOOK_TIMEOUT_MS: timeoutMs, ALERTS_WEBHOOKS_PER_DESTINATION: perDestination } = config();
  const ids = await claimDueDeliveries(timeoutMs + 5_000);
  if (!ids.length) return;
  const { perHost, all } = underWay();
  for (const alert of await loadDeliveries(ids)) {
    const release = perHost.take(URL.parse(alert.rule.webhookUrl ?? "")?.host ?? "", perDestination);
    if (!release) {
      await db().alert.update({ where: { id: alert.id }, data: { webhookNextAttemptAt: new Date(Date.now() + postponeMs) } });
      continue;
    }
    const delivery: Promise<void> = attempt(alert)
      .catch((error: Error) => console.warn(`[gatehouse] could not record a webhook attempt: ${error.message}`))
      .finally(() => {
        release();
        all.delete(delivery);
      });
    all.add(delivery);
  }
}

/** Waits for the deliveries under way (shutdown): their outcomes are written before the process exits. */
export async function deliveriesUnderWay(): Promise<void> {
  await Promise.all(underWay().all);
}
