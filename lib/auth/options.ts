import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import { appSessions } from "@/lib/app-origins/app-session";
import { config } from "@/lib/config";
import { upsertOAuthUser, verifyCredentials } from "@/lib/users/accounts";

const sessionMaxAgeSeconds = 30 * 24 * 60 * 60;

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
      async signIn({ account, user }) {
        if (account?.provider === "credentials") return true;
        return Boolean(user.email);
      },
      async jwt({ token, user, account }) {
        // The token's subject must be our user id, whichever provider signed the user in.
        if (account && account.provider !== "credentials" && user?.email) {
          const linked = await upsertOAuthUser(user.email, user.name);
          token.sub = linked.id;
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
