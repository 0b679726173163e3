import { createHash, randomBytes } from "node:crypto";
import { pool } from "@/lib/db";

/** A code is good for this long after the hub issued it, and for one redemption. */
const handoffCodeLifetimeMs = 60_000;

export interface Handoff {
  userId: string;
  deploymentId: string;
  /** A path (and query) on the deployment's origin. */
  returnPath: string;
  /** The hub session's expiry, epoch ms: the app session made from the code ends no later. */
  sessionExpiresAt: number;
}

const hashCode = (code: string) => createHash("sha256").update(code).digest("base64url");

// Times travel as ISO strings cast to `timestamp` and come back as epoch ms: UTC whatever the session's zone.
const insert = `
  with expired as (delete from "AppHandoffCode" where "expiresAt" < $7::timestamp)
  insert into "AppHandoffCode" ("codeHash", "userId", "deploymentId", "returnPath", "sessionExpiresAt", "expiresAt")
  values ($1, $2, $3, $4, $5::timestamp, $6::timestamp)`;

// Deleting is redeeming: of two instances racing for one code, exactly one gets the row.
const redeem = `
  delete from "AppHandoffCode" where "codeHash" = $1
  returning "userId", "deploymentId", "returnPath",
    (extract(epoch from "sessionExpiresAt") * 1000)::float8 as "sessionExpiresAt",
    "expiresAt" > $2::timestamp as "fresh"`;

/** Stores a new code (its hash only) in the shared database, so any instance can redeem it, and returns it. */
export async function issueHandoffCode(handoff: Handoff): Promise<string> {
  const code = randomBytes(32).toString("base64url");
  const now = Date.now();
  await pool().query(insert, [
    hashCode(code),
    handoff.userId,
    handoff.deploymentId,
    handoff.returnPath,
    new Date(handoff.sessionExpiresAt).toISOString(),
    new Date(now + handoffCodeLifetimeMs).toISOString(),
    new Date(now - handoffCodeLifetimeMs).toISOString(),
  ]);
  return code;
}

/**
 * Redeems a code on the origin of `deploymentId`: the handoff it stands for, or null when it is unknown,
 * used, expired, or made for another deployment. Any presentation uses the code up.
 */
export async function redeemHandoffCode(code: string, deploymentId: string): Promise<Handoff | null> {
  const { rows } = await pool().query(redeem, [hashCode(code), new Date().toISOString()]);
  const row = rows[0] as (Handoff & { fresh: boolean }) | undefined;
  if (!row?.fresh || row.deploymentId !== deploymentId) return null;
  return { userId: row.userId, deploymentId: row.deploymentId, returnPath: row.returnPath, sessionExpiresAt: row.sessionExpiresAt };
}
