/** Signs in through next-auth's real credentials flow and returns the Cookie header a browser would send. */
export async function signIn(appUrl: string, email: string, password: string): Promise<string> {
  const csrfResponse = await fetch(`${appUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const jar = new Map<string, string>();
  const remember = (response: Response) => {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const eq = pair.indexOf("=");
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  };
  remember(csrfResponse);
  const response = await fetch(`${appUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  remember(response);
  if (!jar.get("next-auth.session-token")) throw new Error(`Sign-in failed for ${email} (${response.status})`);
  return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
}
