import { config } from "@/lib/config";
import { db } from "@/lib/db";
import type { Awaitable } from "@/lib/runtime/awaitable";
import { processSingleton } from "@/lib/runtime/process-singleton";
import { TtlCache } from "@/lib/runtime/ttl-cache";

/** How long an instance trusts that a user still exists: a deleted user's hub session stops within this time. */
const userRecheckMs = 30_000;

const known = processSingleton(
  "user-existence",
  () =>
    new TtlCache<boolean>({
      max: 10_000,
      ttlMs: userRecheckMs,
      load: async (id) => Boolean(await db().user.findUnique({ where: { id }, select: { id: true } })),
      staleIfErrorMs: config().GATEWAY_STALE_IF_ERROR_MS,
    }),
);

/** Whether the user a session names still exists (sessions are JWTs: deleting a user revokes nothing by itself). */
export function userExists(id: string): Awaitable<boolean> {
  return known().get(id);
}
