import { type NextRequest, NextResponse } from "next/server";

// A cheap first gate for the dashboard: without a session cookie there is nothing to render, so send
// the browser to sign-in. Pages still verify the session themselves; the gateway never relies on this.
export function middleware(request: NextRequest) {
  const hasSession = request.cookies.getAll().some((cookie) => /^(__Secure-)?next-auth\.session-token/.test(cookie.name));
  if (hasSession) return NextResponse.next();
  // Built from the Host header: request.url may name an internal host rather than the one the browser used.
  const signIn = new URL("/signin", `${request.nextUrl.protocol}//${request.headers.get("host") ?? request.nextUrl.host}`);
  signIn.searchParams.set("callbackUrl", request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.redirect(signIn);
}

// Only the dashboard: middleware buffers request bodies (up to 10 MB), which the gateway must never suffer.
export const config = { matcher: ["/dashboard/:path*"] };
