import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { Brand } from "@/app/components/brand";
import { SignInForm } from "@/app/signin/sign-in-form";
import { safeCallbackUrl } from "@/lib/auth/callback-url";
import { currentUser } from "@/lib/auth/current-user";
import { enabledOAuthProviders } from "@/lib/auth/providers";

export const metadata: Metadata = { title: "Sign in" };

/** What a refused provider sign-in tells the person (lib/users/accounts.ts has the linking policy). */
const signInErrors: Record<string, string> = {
  OAuthAccountNotLinked: "This email already has a Gatehouse account. Sign in the way you signed up.",
  EmailUnverified: "Your provider has not verified this email address. Verify it there, or sign up with a password.",
};
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignInPage({ searchParams }: Props) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  if (await currentUser()) redirect(callbackUrl);
  return (
    <main className="auth-shell">
      <div className="card auth-card">
        <Brand />
        <h1>Sign in</h1>
        <p className="lead">Reach your deployments through the gateway.</p>
        <SignInForm
          callbackUrl={callbackUrl}
          providers={enabledOAuthProviders()}
          initialError={params.error ? (signInErrors[String(params.error)] ?? "Sign-in failed. Try again.") : undefined}
        />
        <p className="auth-footer">
          New here? <Link href={`/signup?callbackUrl=${encodeURIComponent(callbackUrl)}`}>Create an account</Link>
        </p>
      </div>
    </main>
  );
}
