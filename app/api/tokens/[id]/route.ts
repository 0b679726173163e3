import { forgetApiToken } from "@/lib/api-tokens/lookup";
import { revokeApiToken } from "@/lib/api-tokens/tokens";
import { requireApiUser } from "@/lib/auth/current-user";
import { withProblems } from "@/lib/http/next-responses";

export const DELETE = withProblems(async (_request: Request, context: { params: Promise<{ id: string }> }) => {
  const userId = await requireApiUser();
  const { id } = await context.params;
  await forgetApiToken(await revokeApiToken(id, userId));
  return new Response(null, { status: 204 });
});
