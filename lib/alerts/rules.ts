import { randomBytes } from "node:crypto";
import { z } from "zod";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import { type AlertKind, type AlertState, Prisma } from "@/lib/generated/prisma/client.ts";
import { namesInternalHost } from "@/lib/http/outbound";
import { alertRuleNotFound, deploymentNotFound, invalidInput, tooManyAlertRules } from "@/lib/http/problems";
import { parseInput } from "@/lib/http/validation";

const alertKinds = ["error_rate", "latency_p95", "circuit_open", "rate_limited", "not_running"] as const satisfies readonly AlertKind[];

/** Kinds compared against a threshold over a window; the others are conditions of the moment. */
const thresholdKinds = new Set<AlertKind>(["error_rate", "latency_p95", "rate_limited"]);

export function usesThreshold(kind: AlertKind): boolean {
  return thresholdKinds.has(kind);
}

export const ruleInputSchema = z
  .object({
    kind: z.enum(alertKinds, { error: `must be one of ${alertKinds.join(", ")}` }),
    threshold: z.coerce.number({ error: "must be a number" }).min(0, "must be 0 or more").nullish(),
    windowMinutes: z.coerce
      .number({ error: "must be a whole number of minutes" })
      .int("must be a whole number of minutes")
      .min(1, "must be at least 1")
      .max(1440, "must be at most 1440 (a day)")
      .default(5),
    webhookUrl: z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
      .max(2048)
      .nullish()
      .or(z.literal("").transform(() => null)),
  })
  .strict()
  .superRefine((rule, context) => {
    if (!usesThreshold(rule.kind)) return;
    if (rule.threshold == null) context.addIssue({ code: "custom", path: ["threshold"], message: `is required for ${rule.kind}` });
    else if (rule.kind === "error_rate" && rule.threshold > 100)
      context.addIssue({ code: "custom", path: ["threshold"], message: "is a percentage: 0 to 100" });
    else if (rule.kind !== "error_rate" && !Number.isInteger(rule.threshold))
      context.addIssue({ code: "custom", path: ["threshold"], message: "must be a whole number" });
  });

export interface RuleView {
  id: string;
  deploymentId: string;
  kind: AlertKind;
  threshold: number | null;
  windowMinutes: number;
  webhookUrl: string | null;
  state: AlertState;
  lastValue: number | null;
  evaluatedAt: string | null;
  createdAt: string;
}

/** A rule's condition and where it notifies: what evaluation, delivery and the API all read. */
export const ruleConditionFields = { id: true, kind: true, threshold: true, windowMinutes: true, webhookUrl: true } as const;

const select = {
  ...ruleConditionFields,
  deploymentId: true,
  state: true,
  lastValue: true,
  evaluatedAt: true,
  createdAt: true,
} as const;

type Row = Prisma.AlertRuleGetPayload<{ select: typeof select }>;

function view(row: Row): RuleView {
  return { ...row, evaluatedAt: row.evaluatedAt?.toISOString() ?? null, createdAt: row.createdAt.toISOString() };
}

// Names are checked again as they resolve, at each delivery; an address that is plainly internal is refused now.
function refuseInternalWebhook(webhookUrl: string | null): void {
  if (webhookUrl && !config().ALERTS_WEBHOOK_ALLOW_INTERNAL && namesInternalHost(new URL(webhookUrl).hostname)) {
    throw invalidInput([{ path: "webhookUrl", message: "must reach a public address, not a loopback, private or link-local one" }]);
  }
}

const newWebhookSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;

async function requireOwnedDeployment(userId: string, deploymentId: string): Promise<void> {
  const found = await db().deployment.findFirst({ where: { id: deploymentId, userId }, select: { id: true } });
  if (!found) throw deploymentNotFound();
}

/** Creates a rule; when it has a webhook, the response carries the signing secret, the only time it is shown. */
export async function createAlertRule(userId: string, deploymentId: string, input: unknown): Promise<RuleView & { webhookSecret: string | null }> {
  const rule = parseInput(ruleInputSchema, input);
  await requireOwnedDeployment(userId, deploymentId);
  // Every rule costs evaluations for ever: a deployment's are bounded (checked, not locked: a race may add one more).
  const { ALERTS_MAX_RULES_PER_DEPLOYMENT: cap } = config();
  if ((await db().alertRule.count({ where: { deploymentId } })) >= cap) throw tooManyAlertRules(cap);
  const webhookUrl = rule.webhookUrl ?? null;
  refuseInternalWebhook(webhookUrl);
  const webhookSecret = webhookUrl ? newWebhookSecret() : null;
  const row = await db().alertRule.create({
    data: {
      deploymentId,
      kind: rule.kind,
      threshold: usesThreshold(rule.kind) ? rule.threshold : null,
      windowMinutes: rule.windowMinutes,
      webhookUrl,
      webhookSecret,
    },
    select,
  });
  return { ...view(row), webhookSecret };
}

export async function listAlertRules(userId: string, deploymentId: string): Promise<RuleView[]> {
  await requireOwnedDeployment(userId, deploymentId);
  return (await db().alertRule.findMany({ where: { deploymentId }, select, orderBy: { createdAt: "asc" } })).map(view);
}

/** What an owner may change in a rule: its condition and its webhook, never its kind (that is another rule). */
const ruleChangeSchema = z
  .object({
    threshold: z.coerce.number({ error: "must be a number" }).nullish(),
    windowMinutes: z.coerce.number({ error: "must be a whole number of minutes" }).optional(),
    webhookUrl: z.string().nullish(),
  })
  .strict();

/**
 * Changes a rule. A new condition is evaluated at the next pass, from the rule's current state, so
 * loosening a firing rule resolves it with a notification. A new webhook URL gets a new signing secret,
 * returned only in this answer: the old receiver's secret must not sign for another.
 */
export async function updateAlertRule(
  userId: string,
  deploymentId: string,
  ruleId: string,
  input: unknown,
): Promise<RuleView & { webhookSecret: string | null }> {
  const change = parseInput(ruleChangeSchema, input);
  const current = await db().alertRule.findFirst({ where: { id: ruleId, deploymentId, deployment: { userId } }, select: { ...select, webhookSecret: true } });
  if (!current) throw alertRuleNotFound();
  // The whole rule as it would be, checked as a new one is, so both give the same errors for the same input.
  const rule = parseInput(ruleInputSchema, {
    kind: current.kind,
    threshold: "threshold" in change ? change.threshold : current.threshold,
    windowMinutes: change.windowMinutes ?? current.windowMinutes,
    webhookUrl: "webhookUrl" in change ? change.webhookUrl : current.webhookUrl,
  });
  const webhookUrl = rule.webhookUrl ?? null;
  refuseInternalWebhook(webhookUrl);
  const webhookChanged = webhookUrl !== current.webhookUrl;
  const webhookSecret = webhookUrl && newWebhookSecret();
  const threshold = usesThreshold(rule.kind) ? rule.threshold : null;
  const conditionChanged = threshold !== current.threshold || rule.windowMinutes !== current.windowMinutes;
  try {
    // Only what this edit changes is written, so two edits of different fields at once both hold; the
    // URL and its secret always move together.
    const row = await db().alertRule.update({
      where: { id: ruleId },
      data: {
        ...(conditionChanged ? { threshold, windowMinutes: rule.windowMinutes, evaluatedAt: null } : {}),
        ...(webhookChanged ? { webhookUrl, webhookSecret } : {}),
      },
      select,
    });
    return { ...view(row), webhookSecret: webhookChanged ? webhookSecret : null };
  } catch (error) {
    // Deleted since it was read.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2025") throw alertRuleNotFound();
    throw error;
  }
}

export async function deleteAlertRule(userId: string, deploymentId: string, ruleId: string): Promise<void> {
  const { count } = await db().alertRule.deleteMany({ where: { id: ruleId, deploymentId, deployment: { userId } } });
  if (!count) throw alertRuleNotFound();
}
