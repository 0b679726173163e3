import { readJson, withProblems } from "@/lib/http/next-responses";
import { createUser } from "@/lib/users/accounts";

export const POST = withProblems(async (request: Request) => {
  const account = await createUser(await readJson(request));
  return Response.json({ id: account.id, email: account.email }, { status: 201 });
});
