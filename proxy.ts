import { type NextRequest, NextResponse } from "next/server";
import { hubPagePolicy, newNonce } from "@/lib/http/content-security-policy";

const sessionCookie = /^(__Secure-)?next-auth\.session-token/;

/**
 * Before every hub page: a Content-Security-Policy with a nonce of its own (Next reads it from the
 * request to mark its scripts), and a cheap first gate for the dashboard: without a session cookie there
 * is nothing to render, so the browser goes to sign-in. Pages still verify the session themselves.
 */
export function proxy(request: NextRequest): NextResponse {
  const { pathname, search, protocol } = request.nextUrl;
  if (pathname.startsWith("/dashboard") && !request.cookies.getAll().some((cookie) => sessionCookie.test(cookie.name))) {
    // Built from the Host header: request.url may name an internal host rather than the one the browser used.
    const signIn = new URL("/signin", `${protocol}//${request.headers.get("host") ?? request.nextUrl.host}`);
    signIn.searchParams.set("callbackUrl", pathname + search);
    return NextResponse.redirect(signIn);
  }
  const policy = hubPagePolicy(newNonce(), process.env.NODE_ENV === "development");
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  return response;
}

// Pages only: a proxy buffers request bodies (up to 10 MB), which the gateway path and the APIs must never
// suffer, and they answer data, not documents that run scripts.
export const config = {
  matcher: [
    {
      source: "/((?!api/|_next/static|_next/image|favicon.ico|brand.svg|robots.txt).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
