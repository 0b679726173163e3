import { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { guardSignIn } from "@/lib/auth/attempt-limits";
import { authOptions } from "@/lib/auth/options";
import { readBody, withProblems } from "@/lib/http/next-responses";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

// Options are built on first request, not at import: `next build` imports this file without any configuration.
function handler(request: Request, context: RouteContext) {
  return NextAuth(request as never, context as never, authOptions());
}

// Sign-in forms are small: the body is read under the hub's cap, then handed to next-auth whole.
// Password attempts are limited before next-auth sees them.
const post = withProblems(async (request: Request, context: RouteContext) => {
  const body = new TextDecoder().decode(await readBody(request));
  const { nextauth } = await context.params;
  if (nextauth.join("/") === "callback/credentials") await guardSignIn(request, new URLSearchParams(body).get("email"));
  const headers = new Headers(request.headers);
  headers.delete("content-length");
  return handler(new NextRequest(request.url, { method: "POST", headers, body }), context);
});

export { handler as GET, post as POST };
