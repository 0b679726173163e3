import { readiness } from "@/lib/health";

export const dynamic = "force-dynamic";

/** For load balancers: 200 when this instance can serve, 503 (with what failed) when it cannot. */
export async function GET() {
  const result = await readiness();
  return Response.json(
    { status: result.ready ? "ready" : "unavailable", checks: result.checks },
    { status: result.ready ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
