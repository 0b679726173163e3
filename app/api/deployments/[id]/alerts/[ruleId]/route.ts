import { deleteAlertRule, updateAlertRule } from "@/lib/alerts/rules";
import { requireApiUser } from "@/lib/auth/current-user";
import { readJson, withProblems } from "@/lib/http/next-responses";

type Context = { params: Promise<{ id: string; ruleId: string }> };

export const PATCH = withProblems(async (request: Request, context: Context) => {
  const userId = await requireApiUser();
  const body = await readJson(request);
  const { id, ruleId } = await context.params;
  return Response.json(await updateAlertRule(userId, id, ruleId, body));
});

export const DELETE = withProblems(async (_request: Request, context: Context) => {
  const userId = await requireApiUser();
  const { id, ruleId } = await context.params;
  await deleteAlertRule(userId, id, ruleId);
  return new Response(null, { status: 204 });
});
