import { evaluateDueRules } from "@/lib/alerts/evaluation";
import { deliverDueWebhooks, deliveriesUnderWay } from "@/lib/alerts/webhooks";
import { config } from "@/lib/config";
import { repeat } from "@/lib/jobs/repeat";

/**
 * Starts this instance's alert jobs: rule evaluation every ALERTS_EVALUATION_INTERVAL_MS and webhook
 * delivery about every second. Every instance may run them; claims in the database keep them from doing
 * the same work twice. Returns the function that stops both for shutdown.
 */
export function startAlertJobs(): () => Promise<void> {
  const { ALERTS_EVALUATION_INTERVAL_MS: evaluationMs } = config();
  const stops = [repeat("alert evaluation", evaluationMs, evaluateDueRules), repeat("webhook delivery", Math.min(1_000, evaluationMs), deliverDueWebhooks)];
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
    await deliveriesUnderWay();
  };
}
