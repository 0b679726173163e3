import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db";
import { apiTokenNotFound, invalidInput } from "@/lib/http/problems";
import { parseInput } from "@/lib/http/validation";

/** Tokens carry a recognisable prefix so the gateway can tell its own credential from a deployment's. */
export const apiTokenPrefix = "ght_";

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** How many characters of a token its lists show: the `ght_` prefix and four more. */
const shownLength = apiTokenPrefix.length + 4;

const newTokenSchema = z.object({
  userId: z.string().min(1),
  name: z.string().trim().min(1, "must not be empty").max(100),
  /** Days from now; absent or null for a token that does not expire. */
  expiresInDays: z.number().int().min(1).max(3650).nullish(),
  /** The deployments the token may call; absent or empty for all of the user's. */
  deploymentIds: z.array(z.string().min(1).max(100)).max(100).optional(),
});

export interface ApiTokenView {
  id: string;
  name: string;
  /** The first characters, to tell tokens apart: `ght_AbCd`. */
  prefix: string;
  /** The deployments it may call, or null for all of the user's. */
  deployments: { id: string; name: string }[] | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedApiToken extends ApiTokenView {
  /** The secret, returned once: only its hash is stored. */
  token: string;
}

const viewSelect = { id: true, name: true, prefix: true, createdAt: true, expiresAt: true, lastUsedAt: true, deploymentIds: true } as const;

type Row = { id: string; name: string; prefix: string; createdAt: Date; expiresAt: Date | null; lastUsedAt: Date | null; deploymentIds: string[] };

async function views(userId: string, rows: Row[]): Promise<ApiTokenView[]> {
  const named = new Map(
    (await db().deployment.findMany({ where: { userId, id: { in: rows.flatMap((row) => row.deploymentIds) } }, select: { id: true, name: true } })).map(
      (deployment) => [deployment.id, deployment.name],
    ),
  );
  return rows.map(({ deploymentIds, createdAt, expiresAt, lastUsedAt, ...row }) => ({
    ...row,
    deployments: deploymentIds.length ? deploymentIds.map((id) => ({ id, name: named.get(id) ?? "(deleted)" })) : null,
    createdAt: createdAt.toISOString(),
    expiresAt: expiresAt?.toISOString() ?? null,
    lastUsedAt: lastUsedAt?.toISOString() ?? null,
  }));
}

/** Creates an API token; the secret is returned once and only its hash is stored. */
export async function createApiToken(input: unknown): Promise<CreatedApiToken> {
  const { userId, name, expiresInDays, deploymentIds = [] } = parseInput(newTokenSchema, input);
  const scope = [...new Set(deploymentIds)];
  if (scope.length) {
    const owned = await db().deployment.count({ where: { userId, id: { in: scope } } });
    if (owned !== scope.length) throw invalidInput([{ path: "deploymentIds", message: "must name deployments of yours" }]);
  }
  const token = apiTokenPrefix + randomBytes(32).toString("base64url");
  const row = await db().apiToken.create({
    data: {
      userId,
      name,
      tokenHash: hashToken(token),
      prefix: token.slice(0, shownLength),
      expiresAt: expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null,
      deploymentIds: scope,
    },
    select: viewSelect,
  });
  const [view] = await views(userId, [row]);
  return { ...view, token };
}

/** The user's tokens that are not revoked, newest first (expired ones too, marked by their expiry). */
export async function listApiTokens(userId: string): Promise<ApiTokenView[]> {
  const rows = await db().apiToken.findMany({ where: { userId, revokedAt: null }, orderBy: { createdAt: "desc" }, select: viewSelect });
  return views(userId, rows);
}

/**
 * Revokes a token (one of `userId`'s, when given: the operator's CLI may revoke any); returns its hash,
 * for the caller to drop from the lookup cache.
 */
export async function revokeApiToken(id: string, userId?: string): Promise<string> {
  const token = await db().apiToken.findFirst({ where: { id, userId, revokedAt: null }, select: { tokenHash: true } });
  if (!token) throw apiTokenNotFound();
  await db().apiToken.update({ where: { id }, data: { revokedAt: new Date() } });
  return token.tokenHash;
}
