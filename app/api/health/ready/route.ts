import { readiness } from "@/lib/health";
import { isOperator } from "@/lib/operator-metrics/operator-token";

export const dynamic = "force-dynamic";

/**
 * For load balancers: 200 when this instance can serve, 503 when it cannot. What failed is for
 * operators (`Authorization: Bearer <METRICS_TOKEN>`), not for anyone who asks.
 */
export async function GET(request: Request) {
  const result = await readiness();
  const status = result.ready ? "ready" : "unavailable";
  return Response.json(isOperator(request) ? { status, checks: result.checks } : { status }, {
    status: result.ready ? 200 : 503,
    headers: { "cache-control": "no-store" },
  });
}
