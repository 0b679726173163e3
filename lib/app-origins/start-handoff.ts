import { z } from "zod";
import { appHosts, deploymentLabelSchema, handoffPath, returnPathSchema } from "@/lib/app-origins/app-hosts";
import { issueHandoffCode } from "@/lib/app-origins/handoff-codes";
import { sessionTokenFromCookies, sessionTokens } from "@/lib/auth/session-token";
import { routableDeployment } from "@/lib/deployments/cache";
import { parseCookieHeader } from "@/lib/gateway/cookies";
import { appOriginsOff, deploymentNotFound, invalidInput, type Problem } from "@/lib/http/problems";
import { asProblem, renderProblemPage, requestIdFrom } from "@/lib/http/render-problem";

const handoffQuery = z.object({ deployment: deploymentLabelSchema, path: returnPathSchema.default("/") });

const noStore = { "cache-control": "no-store", "referrer-policy": "no-referrer" };

/**
 * The hub's end of the sign-in handoff (`/app-handoff?deployment=…&path=…`), reached by a person's
 * browser: signed out, it goes to sign-in and comes back here; signed in as the deployment's owner, it
 * gets a one-time code and goes to the deployment's origin to redeem it. The path is only ever a path on
 * that origin, and it travels inside the stored code, not in the redirect.
 */
export async function startHandoff(request: Request): Promise<Response> {
  const requestId = requestIdFrom(request.headers.get("x-request-id"));
  try {
    const hosts = appHosts();
    if (!hosts) throw appOriginsOff();
    const url = new URL(request.url);
    const parsed = handoffQuery.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) throw invalidInput(parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })));
    const { deployment: deploymentId, path } = parsed.data;

    const session = await sessionTokens().session(sessionTokenFromCookies(parseCookieHeader(request.headers.get("cookie") ?? undefined)));
    if (!session?.userId) {
      return new Response(null, { status: 303, headers: { location: `/signin?callbackUrl=${encodeURIComponent(url.pathname + url.search)}`, ...noStore } });
    }
    const deployment = await routableDeployment(deploymentId);
    if (!deployment || deployment.userId !== session.userId) throw deploymentNotFound();
    const code = await issueHandoffCode({ userId: session.userId, deploymentId, returnPath: path, sessionExpiresAt: session.expiresAt });
    return new Response(null, { status: 303, headers: { location: `${hosts.originOf(deploymentId)}${handoffPath}?code=${code}`, ...noStore } });
  } catch (error) {
    return page(asProblem(error, requestId), requestId);
  }
}

function page(problem: Problem, requestId: string): Response {
  const { status, headers, body } = renderProblemPage(problem, requestId, { href: "/dashboard", label: "Go to your dashboard" });
  return new Response(new Uint8Array(body), { status, headers });
}
