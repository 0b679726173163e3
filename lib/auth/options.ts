import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import { appSessions } from "@/lib/app-origins/app-session";
import { config } from "@/lib/config";
import { accountForProvider, type ProviderIdentity, verifyCredentials } from "@/lib/users/accounts";

const sessionMaxAgeSeconds = 30 * 24 * 60 * 60;

/**
 * What a provider says of the person signing in. Google states `email_verified`; GitHub gives only a
 * verified address as the account's email (next-auth asks its API for the primary, verified one).
 */
function providerIdentity(
  account: { provider: string; providerAccountId: string },
  user: { email?: string | null; name?: string | null },
  profile: object | undefined,
): ProviderIdentity {
  const emailVerified =
    account.provider === "google" ? (profile as { email_verified?: unknown } | undefined)?.email_verified === true : account.provider === "github";
  return { provider: account.provider, providerAccountId: account.providerAccountId, email: user.email, emailVerified, name: user.name };
}

function providers(): NextAuthOptions["providers"] {
  const env = config();
  const list: NextAuthOptions["providers"] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials) {
        if (!credentials?.email || !credentials.password) return null;
        return verifyCredentials(credentials.email, credentials.password);
      },
    }),
  ];
  if (env.GITHUB_ID && env.GITHUB_SECRET) list.push(GitHubProvider({ clientId: env.GITHUB_ID, clientSecret: env.GITHUB_SECRET }));
  if (env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) {
    list.push(GoogleProvider({ clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET }));
  }
  return list;
}

let options: NextAuthOptions | undefined;

export function authOptions(): NextAuthOptions {
  options ??= {
    secret: config().NEXTAUTH_SECRET,
    providers: providers(),
    session: { strategy: "jwt", maxAge: sessionMaxAgeSeconds },
    pages: { signIn: "/signin", error: "/signin" },
    events: {
      // Signing out of the hub signs the user out of every app origin too (lib/app-origins/app-session.ts).
      async signOut({ token }) {
        if (token?.sub) await appSessions().endSessionsOf(token.sub);
      },
    },
    callbacks: {
      async signIn({ account, user, profile }) {
        if (!account || account.provider === "credentials") return true;
        const found = await accountForProvider(providerIdentity(account, user, profile));
        return typeof found === "string" ? `/signin?error=${found}` : true;
      },
      async jwt({ token, user, account, profile }) {
        // The token's subject must be our user id, whichever provider signed the user in (signIn linked it).
        if (account && account.provider !== "credentials" && user) {
          const found = await accountForProvider(providerIdentity(account, user, profile));
          if (typeof found === "string") throw new Error(found);
          token.sub = found.id;
        }
        return token;
      },
      async session({ session, token }) {
        if (session.user && token.sub) session.user.id = token.sub;
        return session;
      },
    },
  };
  return options;
}
