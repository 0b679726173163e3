import { deleteAlertRule } from "@/lib/alerts/rules";
import { requireApiUser } from "@/lib/auth/current-user";
import { withProblems } from "@/lib/http/next-responses";

export const DELETE = withProblems(async (_request: Request, context: { params: Promise<{ id: string; ruleId: string }> }) => {
  const userId = await requireApiUser();
  const { id, ruleId } = await context.params;
  await deleteAlertRule(userId, id, ruleId);
  return new Response(null, { status: 204 });
});
