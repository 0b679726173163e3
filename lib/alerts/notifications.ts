import { z } from "zod";
import { db } from "@/lib/db";
import type { AlertKind, AlertState } from "@/lib/generated/prisma/client.ts";
import { parseInput } from "@/lib/http/validation";

export interface NotificationView {
  id: string;
  ruleId: string;
  kind: AlertKind;
  deploymentId: string;
  deploymentName: string;
  state: AlertState;
  value: number | null;
  message: string;
  at: string;
  read: boolean;
  /** pending, delivered or failed; null without a webhook. */
  webhookStatus: string | null;
  webhookAttempts: number;
  webhookLastError: string | null;
}

/** The user's notifications, newest first. */
export async function listNotifications(userId: string, take = 100): Promise<NotificationView[]> {
  const rows = await db().alert.findMany({
    where: { userId },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take,
    include: { rule: { select: { kind: true, deployment: { select: { name: true } } } } },
  });
  return rows.map((row) => ({
    id: row.id,
    ruleId: row.ruleId,
    kind: row.rule.kind,
    deploymentId: row.deploymentId,
    deploymentName: row.rule.deployment.name,
    state: row.state,
    value: row.value,
    message: row.message,
    at: row.at.toISOString(),
    read: row.readAt !== null,
    webhookStatus: row.webhookStatus,
    webhookAttempts: row.webhookAttempts,
    webhookLastError: row.webhookLastError,
  }));
}

export function unreadCount(userId: string): Promise<number> {
  return db().alert.count({ where: { userId, readAt: null } });
}

const markReadSchema = z.object({ ids: z.array(z.string().min(1).max(64)).max(500).optional() }).strict();

/** Marks the given notifications read, or all of them without `ids`; returns how many changed. */
export async function markNotificationsRead(userId: string, input: unknown): Promise<number> {
  const { ids } = parseInput(markReadSchema, input ?? {});
  const { count } = await db().alert.updateMany({ where: { userId, readAt: null, ...(ids ? { id: { in: ids } } : {}) }, data: { readAt: new Date() } });
  return count;
}
