import { createAlertRule, listAlertRules } from "@/lib/alerts/rules";
import { requireApiUser } from "@/lib/auth/current-user";
import { readJson, withProblems } from "@/lib/http/next-responses";

type Context = { params: Promise<{ id: string }> };

export const GET = withProblems(async (_request: Request, context: Context) => {
  const userId = await requireApiUser();
  const { id } = await context.params;
  return Response.json(await listAlertRules(userId, id));
});

export const POST = withProblems(async (request: Request, context: Context) => {
  const userId = await requireApiUser();
  const body = await readJson(request);
  const { id } = await context.params;
  return Response.json(await createAlertRule(userId, id, body), { status: 201 });
});
