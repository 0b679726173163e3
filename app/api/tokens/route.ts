import { createApiToken, listApiTokens } from "@/lib/api-tokens/tokens";
import { requireApiUser } from "@/lib/auth/current-user";
import { readJson, withProblems } from "@/lib/http/next-responses";

export const GET = withProblems(async (_request: Request) => {
  const userId = await requireApiUser();
  return Response.json(await listApiTokens(userId));
});

export const POST = withProblems(async (request: Request) => {
  const userId = await requireApiUser();
  const body = await readJson(request);
  // The user is the session's, whatever the body says.
  const created = await createApiToken({ ...(typeof body === "object" && body !== null ? body : {}), userId });
  return Response.json(created, { status: 201, headers: { "cache-control": "no-store" } });
});
