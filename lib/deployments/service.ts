import { z } from "zod";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import { invalidateDeployment } from "@/lib/deployments/cache";
import { corsOriginSchema, deploymentNameSchema, idSchema, statusSchema, targetSchema } from "@/lib/deployments/schema";
import { Prisma } from "@/lib/generated/prisma/client.ts";
import { ApiError } from "@/lib/http/problem";
import { parseInput } from "@/lib/http/validation";
import { emailSchema } from "@/lib/users/accounts";

export interface DeploymentView {
  id: string;
  userId: string;
  name: string;
  target: string;
  status: string;
  corsOrigins: string[];
  gatewayUrl: string;
  createdAt: string;
  updatedAt: string;
}

const select = { id: true, userId: true, name: true, target: true, status: true, corsOrigins: true, createdAt: true, updatedAt: true } as const;
type Row = Prisma.DeploymentGetPayload<{ select: typeof select }>;

export function gatewayPath(userId: string, deploymentId: string): string {
  return `/api/gateway/${userId}/${deploymentId}/`;
}

function view(row: Row): DeploymentView {
  const { GATEHOUSE_PUBLIC_URL, PORT } = config();
  const origin = GATEHOUSE_PUBLIC_URL ?? `http://localhost:${PORT}`;
  return {
    ...row,
    gatewayUrl: new URL(gatewayPath(row.userId, row.id), origin).toString(),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const notFound = () => new ApiError(404, "deployment-not-found", "Deployment not found", "No deployment with this id belongs to you.");

async function ownerId(email: string): Promise<string> {
  const user = await db().user.findUnique({ where: { email }, select: { id: true } });
  if (!user) throw new ApiError(404, "user-not-found", "User not found", `No user has the email ${email}.`);
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
      throw new ApiError(409, "deployment-exists", "Deployment exists", `${owner} already has a deployment named ${data.name}.`);
    }
    throw error;
  }
}

const updateSchema = z
  .object({
    id: idSchema,
    status: statusSchema.optional(),
    target: targetSchema.optional(),
    corsOrigins: z.array(corsOriginSchema).max(50).optional(),
  })
  .strict();

/** Updates a deployment; `ownerId` restricts the change to its owner (the platform and CLI pass none). */
export async function updateDeployment(input: unknown, ownerId?: string): Promise<DeploymentView> {
  const { id, ...data } = parseInput(updateSchema, input);
  const { count } = await db().deployment.updateMany({ where: { id, ...(ownerId ? { userId: ownerId } : {}) }, data });
  invalidateDeployment(id);
  if (!count) throw notFound();
  return view(await db().deployment.findUniqueOrThrow({ where: { id }, select }));
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
