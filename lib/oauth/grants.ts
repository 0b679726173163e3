import { db, pool } from "@/lib/db";
import { connectedAppNotFound } from "@/lib/http/problems";
import { accessTokens, grantRecheckMs } from "@/lib/oauth/access-tokens";
import { PostgresOAuthAdapter } from "@/lib/oauth/adapter";
import { resourceTarget } from "@/lib/oauth/resources";

/** How long a revoked app's access tokens may still work on other instances, in seconds (for the page to say). */
export const revocationDelaySeconds = grantRecheckMs / 1000;

/** One authorization a user gave an application, as Connected apps lists it. */
export interface ConnectedApp {
  id: string;
  clientName: string;
  deployment: { id: string; name: string } | null;
  createdAt: string;
  lastUsedAt: string | null;
}

// A dynamically registered client is a row of its own; a metadata-document client is known by its URL.
const grantsOf = `
  select g."id", g."payload", g."clientId", c."payload"->>'client_name' as "clientName",
    (extract(epoch from g."createdAt") * 1000)::float8 as "createdAt", (extract(epoch from g."lastUsedAt") * 1000)::float8 as "lastUsedAt"
  from "OAuthRecord" g
  left join "OAuthRecord" c on c."kind" = 'Client' and c."id" = g."clientId"
  where g."kind" = 'Grant' and g."accountId" = $1 and (g."expiresAt" is null or g."expiresAt" > $2::timestamp)
  order by g."createdAt" desc`;
const deleteGrant = `delete from "OAuthRecord" where "kind" = 'Grant' and "id" = $1 and "accountId" = $2 returning "id"`;

interface GrantRow {
  id: string;
  payload: { resources?: Record<string, string> };
  clientId: string;
  /** Epoch ms: read as numbers, so the session's time zone cannot shift them. */
  createdAt: number;
  lastUsedAt: number | null;
  clientName: string | null;
}

const hostOf = (clientId: string) => URL.parse(clientId)?.host || clientId;

/** The user's connected apps, newest first. */
export async function connectedApps(userId: string): Promise<ConnectedApp[]> {
  const { rows } = await pool().query(grantsOf, [userId, new Date().toISOString()]);
  const grants = rows as GrantRow[];
  const deploymentIdOf = (grant: GrantRow) => {
    const [resource] = Object.keys(grant.payload.resources ?? {});
    return resource ? resourceTarget(resource)?.deploymentId : undefined;
  };
  const ids = [...new Set(grants.map(deploymentIdOf).filter((id): id is string => Boolean(id)))];
  const deployments = await db().deployment.findMany({ where: { id: { in: ids }, userId }, select: { id: true, name: true } });
  const byId = new Map(deployments.map((deployment) => [deployment.id, deployment]));
  return grants.map((grant) => ({
    id: grant.id,
    clientName: grant.clientName || hostOf(grant.clientId),
    deployment: byId.get(deploymentIdOf(grant) ?? "") ?? null,
    createdAt: new Date(grant.createdAt).toISOString(),
    lastUsedAt: grant.lastUsedAt === null ? null : new Date(grant.lastUsedAt).toISOString(),
  }));
}

/**
 * Revokes a connected app: its grant and refresh tokens go at once, its access tokens at once on every
 * instance that hears it (lib/redis/invalidations.ts) and within revocationDelaySeconds on any other.
 */
export async function revokeConnectedApp(grantId: string, userId: string): Promise<void> {
  const { rowCount } = await pool().query(deleteGrant, [grantId, userId]);
  if (!rowCount) throw connectedAppNotFound();
  await new PostgresOAuthAdapter("Grant").revokeByGrantId(grantId);
  await accessTokens()?.forgetGrant(grantId);
}
