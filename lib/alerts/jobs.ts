import { evaluateDueRules } from "@/lib/alerts/evaluation";
import { deliverDueWebhooks } from "@/lib/alerts/webhooks";
import { config } from "@/lib/config";

/**
 * Runs `task` every `ms` after the previous run ended, so a slow run (database down) never overlaps the
 * next. Returns a stop function that resolves once the run in progress, if any, has finished.
 */
function repeat(name: string, ms: number, task: () => Promise<unknown>): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout;
  const schedule = () => {
    timer = setTimeout(() => {
      running = task()
        .then(() => undefined, (error: Error) => console.warn(`[gatehouse] ${name} failed: ${error.message}`))
        .finally(() => stopped || schedule());
    }, ms);
    // The jobs never keep a process alive on their own.
    timer.unref();
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

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
  };
}
