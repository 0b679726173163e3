import { db } from "@/lib/db";

export interface DeploymentEventInput {
  deploymentId: string;
  kind: "breaker" | "status";
  from: string;
  to: string;
  reason: string;
}

/** Records an event without making the caller wait: it is history, not part of any answer. */
export function recordDeploymentEvent(event: DeploymentEventInput): void {
  db()
    .deploymentEvent.create({ data: event })
    .catch((error: Error) => console.warn(`[gatehouse] could not record a ${event.kind} event for ${event.deploymentId}: ${error.message}`));
}
