import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";

/**
 * The MCP SDK client's OAuth state, in memory, as a desktop client keeps it: it registers itself, then
 * sends the user to `authorizationUrl` (which a test drives through consent) and keeps what it is given.
 */
export class MemoryOAuthClient implements OAuthClientProvider {
  authorizationUrl?: URL;
  registered?: OAuthClientInformationMixed;
  saved: OAuthTokens[] = [];
  private verifier = "";

  constructor(
    readonly redirectUrl: string,
    private readonly extraMetadata: Partial<OAuthClientMetadata> = {},
    readonly clientMetadataUrl?: string,
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Gatehouse test client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      ...this.extraMetadata,
    };
  }
  clientInformation() {
    return this.registered;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.registered = information;
  }
  tokens() {
    return this.saved.at(-1);
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved.push(tokens);
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** A browser's cookies for one origin, enough for the authorization server's interaction cookies. */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  constructor(initial: string) {
    for (const pair of initial.split(/;\s*/).filter(Boolean)) this.set(pair);
  }
  remember(response: Response): void {
    for (const cookie of response.headers.getSetCookie()) this.set(cookie.split(";")[0]);
  }
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
  private set(pair: string): void {
    const eq = pair.indexOf("=");
    this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

/**
 * Follows an authorization URL as a signed-in browser would (without running pages): through the
 * hub's consent page, answering Allow or Deny, to the client's redirect, which it returns.
 */
export async function authorizeOverHttp(authorizationUrl: URL, hubCookie: string, decision: "allow" | "deny", fetch = globalThis.fetch): Promise<URL> {
  const jar = new CookieJar(hubCookie);
  const hub = authorizationUrl.origin;
  let url = authorizationUrl.href;
  for (let hop = 0; hop < 10; hop++) {
    const target = new URL(url, hub);
    if (target.origin !== hub) return target;
    const consent = target.pathname.startsWith("/oauth/consent/");
    const response = await fetch(target, { redirect: "manual", headers: { cookie: jar.header(), accept: "text/html" } });
    jar.remember(response);
    if (consent && response.status === 200) {
      const page = await response.text();
      if (!page.includes(`value="${decision}"`)) throw new Error(`The consent page offers no ${decision} button:\n${page.slice(0, 2000)}`);
      const answer = await fetch(target, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: jar.header(), origin: hub, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ decision }),
      });
      jar.remember(answer);
      url = answerLocation(answer);
      continue;
    }
    url = answerLocation(response);
  }
  throw new Error("Too many redirects while authorizing");
}

function answerLocation(response: Response): string {
  const location = response.headers.get("location");
  if (response.status < 300 || response.status >= 400 || !location) throw new Error(`Expected a redirect, got ${response.status}`);
  return location;
}
