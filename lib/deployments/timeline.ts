import { alertKindLabels } from "@/lib/alerts/labels";
import { db } from "@/lib/db";

export interface TimelineEntry {
  id: string;
  at: Date;
  what: string;
  change: string;
  why: string;
}

/** What happened to a deployment, newest first: status changes, breaker transitions and its alerts firing or resolving. */
export async function deploymentTimeline(deploymentId: string, take = 50): Promise<TimelineEntry[]> {
  const [events, alerts] = await Promise.all([
    db().deploymentEvent.findMany({ where: { deploymentId }, orderBy: { at: "desc" }, take }),
    db().alert.findMany({ where: { deploymentId }, orderBy: { at: "desc" }, take, include: { rule: { select: { kind: true } } } }),
  ]);
  return [
    ...events.map((event) => ({
      id: event.id,
      at: event.at,
      what: event.kind === "breaker" ? "Circuit breaker" : "Status",
      change: `${event.from} → ${event.to}`,
      why: event.reason,
    })),
    ...alerts.map((alert) => ({
      id: alert.id,
      at: alert.at,
      what: `Alert: ${alertKindLabels[alert.rule.kind]}`,
      change: alert.state === "firing" ? "ok → firing" : "firing → ok",
      why: alert.message,
    })),
  ]
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, take);
}
