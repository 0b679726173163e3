import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db";
import { parseInput } from "@/lib/http/validation";
import type { Awaitable } from "@/lib/runtime/awaitable";
import { processSingleton } from "@/lib/runtime/process-singleton";
import { TtlCache } from "@/lib/runtime/ttl-cache";

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

/** Unknown tokens are cached too: a made-up token costs one query per cache life, not one per request. */
const tokenCache = processSingleton("api-token-cache", () => new TtlCache({ max: 10_000, ttlMs: 30_000, load: userIdForHash }));

/** The user an API token belongs to, or null. Cached for 30 s. */
export function userIdForApiToken(token: string): Awaitable<string | null> {
  if (!token.startsWith(apiTokenPrefix)) return null;
  return tokenCache().get(hashToken(token));
}

async function userIdForHash(hash: string): Promise<string | null> {
  const row = await db().apiToken.findUnique({ where: { tokenHash: hash }, select: { userId: true, revokedAt: true } });
  return row && !row.revokedAt ? row.userId : null;
}
