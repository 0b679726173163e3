import { config } from "@/lib/config";

export interface OAuthProviderLink {
  id: "github" | "google";
  name: string;
}

/** The OAuth providers switched on by configuration, for the sign-in page's buttons. */
export function enabledOAuthProviders(): OAuthProviderLink[] {
  const env = config();
  const providers: OAuthProviderLink[] = [];
  if (env.GITHUB_ID && env.GITHUB_SECRET) providers.push({ id: "github", name: "GitHub" });
  if (env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) providers.push({ id: "google", name: "Google" });
  return providers;
}
