import { requireApiUser } from "@/lib/auth/current-user";
import { deploymentChangeSchema, ownerView, updateDeployment } from "@/lib/deployments/service";
import { readJson, withProblems } from "@/lib/http/next-responses";
import { parseInput } from "@/lib/http/validation";

// Owners may change everything but where the deployment runs: that is the platform's to say.
const ownerChangeSchema = deploymentChangeSchema.omit({ target: true });

export const PATCH = withProblems(async (request: Request, context: { params: Promise<{ id: string }> }) => {
  const userId = await requireApiUser();
  const body = await readJson(request);
  parseInput(ownerChangeSchema, body);
  const { id } = await context.params;
  return Response.json(ownerView(await updateDeployment({ ...(body as object), id }, userId)));
});
