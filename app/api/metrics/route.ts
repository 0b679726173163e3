import { config } from "@/lib/config";
import { withProblems } from "@/lib/http/next-responses";
import { metricsDisabled, metricsTokenRequired } from "@/lib/http/problems";
import { isOperator } from "@/lib/operator-metrics/operator-token";
import { gatewayMetrics } from "@/lib/operator-metrics/prometheus";

export const dynamic = "force-dynamic";

/** Prometheus scrape endpoint for operators, behind the bearer token METRICS_TOKEN (off when unset). */
export const GET = withProblems(async (request: Request) => {
  if (!config().METRICS_TOKEN) throw metricsDisabled();
  if (!isOperator(request)) throw metricsTokenRequired();
  const { registry } = gatewayMetrics();
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType, "cache-control": "no-store" } });
});
