import { z } from "zod";
import { requireApiUser } from "@/lib/auth/current-user";
import { updateDeployment } from "@/lib/deployments/service";
import { readJson, withProblems } from "@/lib/http/next-responses";
import { parseInput } from "@/lib/http/validation";
import { corsOriginSchema, statusSchema } from "@/lib/deployments/schema";

const changeSchema = z.object({ status: statusSchema.optional(), corsOrigins: z.array(corsOriginSchema).max(50).optional() }).strict();

export const PATCH = withProblems(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const userId = await requireApiUser();
  const change = parseInput(changeSchema, await readJson(request));
  const { id } = await context.params;
  return Response.json(await updateDeployment({ id, ...change }, userId));
});
