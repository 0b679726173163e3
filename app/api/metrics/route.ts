import { timingSafeEqual } from "node:crypto";
import { config } from "@/lib/config";
import { withProblems } from "@/lib/http/next-responses";
import { metricsDisabled, metricsTokenRequired } from "@/lib/http/problems";
import { gatewayMetrics } from "@/lib/operator-metrics/prometheus";

export const dynamic = "force-dynamic";

function authorized(header: string | null, token: string): boolean {
  const presented = Buffer.from(header?.replace(/^Bearer\s+/i, "") ?? "");
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Prometheus scrape endpoint for operators, behind the bearer token METRICS_TOKEN (off when unset). */
export const GET = withProblems(async (request: Request) => {
  const token = config().METRICS_TOKEN;
  if (!token) throw metricsDisabled();
  if (!authorized(request.headers.get("authorization"), token)) {
    throw metricsTokenRequired();
  }
  const { registry } = gatewayMetrics();
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType, "cache-control": "no-store" } });
});
