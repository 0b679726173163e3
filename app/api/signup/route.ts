import { guardSignUp } from "@/lib/auth/attempt-limits";
import { readJson, withProblems } from "@/lib/http/next-responses";
import { signUp } from "@/lib/users/accounts";

// 202 whether the email was new or taken: the answer tells nobody which addresses have accounts.
export const POST = withProblems(async (request: Request) => {
  await guardSignUp(request);
  const { email } = await signUp(await readJson(request));
  return Response.json({ status: "accepted", email, next: "Sign in with this email and password." }, { status: 202 });
});
