import { requireApiUser } from "@/lib/auth/current-user";
import { withProblems } from "@/lib/http/next-responses";
import { revokeConnectedApp } from "@/lib/oauth/grants";

export const DELETE = withProblems(async (_request: Request, context: { params: Promise<{ id: string }> }) => {
  const userId = await requireApiUser();
  const { id } = await context.params;
  await revokeConnectedApp(id, userId);
  return new Response(null, { status: 204 });
});
