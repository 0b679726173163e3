import type { OutgoingHttpHeaders } from "node:http";
import { returnPathSchema } from "@/lib/app-origins/app-hosts";
import { appSessions } from "@/lib/app-origins/app-session";
import { redeemHandoffCode } from "@/lib/app-origins/handoff-codes";
import { handoffCodeInvalid, methodNotAllowed } from "@/lib/http/problems";

/**
 * The app origin's end of the sign-in handoff (`/__gatehouse/handoff?code=…`): the code is used up, and
 * when it was good for this deployment the browser gets the app session cookie and goes to the path the
 * code was issued for. Redirect only: the path comes from the stored code, never from this request.
 */
export async function redeemHandoff(
  method: string,
  query: string,
  deploymentId: string,
  secure: boolean,
): Promise<{ status: number; headers: OutgoingHttpHeaders }> {
  if (method !== "GET" && method !== "HEAD") throw methodNotAllowed("GET, HEAD");
  const code = new URLSearchParams(query).get("code");
  const handoff = code ? await redeemHandoffCode(code, deploymentId) : null;
  if (!handoff || !returnPathSchema.safeParse(handoff.returnPath).success) throw handoffCodeInvalid();
  const cookie = appSessions().cookie({ userId: handoff.userId, deploymentId, issuedAt: Date.now(), expiresAt: handoff.sessionExpiresAt }, secure);
  return {
    status: 303,
    headers: { location: handoff.returnPath, "set-cookie": cookie, "cache-control": "no-store", "referrer-policy": "no-referrer" },
  };
}
