import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db";
import { parseInput } from "@/lib/http/validation";
import type { Awaitable } from "@/lib/runtime/awaitable";
import { processSingleton } from "@/lib/runtime/process-singleton";

/** Tokens carry a recognisable prefix so the gateway can tell its own credential from a deployment's. */
export const apiTokenPrefix = "ght_";

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

const newTokenSchema = z.object({ userId: z.string().min(1), name: z.string().trim().min(1).max(100) });

export interface CreatedApiToken {
  id: string;
  name: string;
  token: string;
}

/** Creates an API token; the secret is returned once and only its hash is stored. */
export async function createApiToken(input: unknown): Promise<CreatedApiToken> {
  const { userId, name } = parseInput(newTokenSchema, input);
  const token = apiTokenPrefix + randomBytes(32).toString("base64url");
  const row = await db().apiToken.create({ data: { userId, name, tokenHash: hashToken(token) } });
  return { id: row.id, name: row.name, token };
}

export async function revokeApiToken(userId: string, id: string): Promise<boolean> {
  const { count } = await db().apiToken.updateMany({ where: { id, userId, revokedAt: null }, data: { revokedAt: new Date() } });
  if (count) tokenCache.clear();
  return count > 0;
}

export async function listApiTokens(userId: string) {
  return db().apiToken.findMany({
    where: { userId, revokedAt: null },
    select: { id: true, name: true, createdAt: true },
    orderBy: { createdAt: "desc" },
  });
}

const cacheTtlMs = 30_000;
const tokenCache = processSingleton("api-token-cache", () => new Map<string, { userId: string | null; expires: number }>());

/** The user an API token belongs to, or null. Cached briefly: revoking through the app clears the cache. */
export function userIdForApiToken(token: string): Awaitable<string | null> {
  if (!token.startsWith(apiTokenPrefix)) return null;
  const hash = hashToken(token);
  const cached = tokenCache.get(hash);
  if (cached && cached.expires > Date.now()) return cached.userId;
  return lookUp(hash);
}

async function lookUp(hash: string): Promise<string | null> {
  const row = await db().apiToken.findUnique({ where: { tokenHash: hash }, select: { userId: true, revokedAt: true } });
  const userId = row && !row.revokedAt ? row.userId : null;
  if (tokenCache.size > 10_000) tokenCache.clear();
  tokenCache.set(hash, { userId, expires: Date.now() + cacheTtlMs });
  return userId;
}
