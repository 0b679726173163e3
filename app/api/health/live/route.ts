export const dynamic = "force-dynamic";

/** Liveness: answers as long as the process serves requests; checks no dependency, so a database outage never restarts it. */
export function GET(): Response {
  return Response.json({ status: "ok" });
}
