import { z } from "zod";
import { appUrl } from "@/lib/app-origins/app-hosts";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import { invalidateDeployment, routingFields } from "@/lib/deployments/cache";
import { recordDeploymentEvent } from "@/lib/deployments/events";
import {
  corsOriginSchema,
  deploymentNameSchema,
  idSchema,
  rateLimitAlgorithmSchema,
  rateOverrideSchema,
  statusSchema,
  targetSchema,
} from "@/lib/deployments/schema";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { deploymentExists, deploymentNotFound, userNotFound } from "@/lib/http/problems";
import { parseInput } from "@/lib/http/validation";
import { emailSchema } from "@/lib/users/accounts";

export interface DeploymentView {
  id: string;
  userId: string;
  name: string;
  target: string;
  status: string;
  corsOrigins: string[];
  /** The deployment's own limit as `N/Ws`, or null when the configured default applies. */
  rateLimit: string | null;
  rateLimitAlgorithm: string;
  rateLimitBurst: number | null;
  /** The link users share: the hub's gateway path. */
  gatewayUrl: string;
  /** The deployment's own origin when app origins are on (GATEHOUSE_APPS_DOMAIN), else null. */
  appUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

const select = { ...routingFields, createdAt: true, updatedAt: true } as const;
type Row = Prisma.DeploymentGetPayload<{ select: typeof select }>;

export function gatewayPath(userId: string, deploymentId: string): string {
  return `/api/gateway/${userId}/${deploymentId}/`;
}

function view({ rateLimit, rateLimitWindowSeconds, ...row }: Row): DeploymentView {
  const { GATEHOUSE_PUBLIC_URL, PORT } = config();
  const origin = GATEHOUSE_PUBLIC_URL ?? `http://localhost:${PORT}`;
  return {
    ...row,
    rateLimit: rateLimit && rateLimitWindowSeconds ? `${rateLimit}/${rateLimitWindowSeconds}s` : null,
    gatewayUrl: new URL(gatewayPath(row.userId, row.id), origin).toString(),
    appUrl: appUrl(row.id),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function ownerId(email: string): Promise<string> {
  const user = await db().user.findUnique({ where: { email }, select: { id: true } });
  if (!user) throw userNotFound(email);
  return user.id;
}

const createSchema = z.object({
  owner: emailSchema,
  name: deploymentNameSchema,
  target: targetSchema,
  status: statusSchema.default("running"),
  corsOrigins: z.array(corsOriginSchema).max(50).default([]),
});

export async function createDeployment(input: unknown): Promise<DeploymentView> {
  const { owner, ...data } = parseInput(createSchema, input);
  const userId = await ownerId(owner);
  try {
    return view(await db().deployment.create({ data: { ...data, userId }, select }));
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw deploymentExists(owner, data.name);
    }
    throw error;
  }
}

export const deploymentChangeSchema = z
  .object({
    status: statusSchema.optional(),
    target: targetSchema.optional(),
    corsOrigins: z.array(corsOriginSchema).max(50).optional(),
    /** `N/WINDOW` sets the deployment's own limit; `off` returns it to the configured default. */
    rateLimit: rateOverrideSchema.optional(),
    rateLimitAlgorithm: rateLimitAlgorithmSchema.optional(),
    rateLimitBurst: z.union([z.literal("off"), z.coerce.number().int().min(1).max(1_000_000)]).optional(),
  })
  .strict();

const updateSchema = deploymentChangeSchema.extend({ id: idSchema });

/** Updates a deployment; `ownerId` restricts the change to its owner (the platform and CLI pass none). */
export async function updateDeployment(input: unknown, ownerId?: string): Promise<DeploymentView> {
  const { id, rateLimit, rateLimitBurst, ...data } = parseInput(updateSchema, input);
  const before = await db().deployment.findFirst({ where: { id, ...(ownerId ? { userId: ownerId } : {}) }, select: { status: true } });
  if (!before) throw deploymentNotFound();
  const row = await db().deployment.update({
    where: { id },
    data: {
      ...data,
      ...(rateLimit === "off" ? { rateLimit: null, rateLimitWindowSeconds: null } : {}),
      ...(rateLimit && rateLimit !== "off" ? { rateLimit: rateLimit.limit, rateLimitWindowSeconds: rateLimit.windowSeconds } : {}),
      ...(rateLimitBurst !== undefined ? { rateLimitBurst: rateLimitBurst === "off" ? null : rateLimitBurst } : {}),
    },
    select,
  });
  await invalidateDeployment(id);
  if (data.status && data.status !== before.status) {
    recordDeploymentEvent({
      deploymentId: id,
      kind: "status",
      from: before.status,
      to: data.status,
      reason: ownerId ? "changed by the owner" : "changed by the platform",
    });
  }
  return view(row);
}

/** What a deployment's owner is sent: everything but the internal address the platform runs it on. */
export function ownerView({ target: _internal, ...shown }: DeploymentView): Omit<DeploymentView, "target"> {
  return shown;
}

export async function deploymentOf(userId: string, id: string): Promise<DeploymentView | null> {
  const row = await db().deployment.findFirst({ where: { id, userId }, select });
  return row && view(row);
}

const listSchema = z.object({ owner: emailSchema.optional() });

export async function listDeployments(input: unknown = {}): Promise<DeploymentView[]> {
  const { owner } = parseInput(listSchema, input);
  const where = owner ? { userId: await ownerId(owner) } : {};
  return (await db().deployment.findMany({ where, select, orderBy: { createdAt: "asc" } })).map(view);
}

export async function deploymentsOf(userId: string): Promise<DeploymentView[]> {
  return (await db().deployment.findMany({ where: { userId }, select, orderBy: { createdAt: "asc" } })).map(view);
}
