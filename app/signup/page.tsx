import type { Metadata } from "next";
import Link from "next/link";
import { Brand } from "@/app/components/brand";
import { SignUpForm } from "@/app/signup/sign-up-form";
import { safeCallbackUrl } from "@/lib/auth/callback-url";

export const metadata: Metadata = { title: "Create an account" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignUpPage({ searchParams }: Props) {
  const callbackUrl = safeCallbackUrl((await searchParams).callbackUrl);
  return (
    <main className="auth-shell">
      <div className="card auth-card">
        <Brand />
        <h1>Create an account</h1>
        <p className="lead">One account for your dashboard and every deployment behind the gateway.</p>
        <SignUpForm callbackUrl={callbackUrl} />
        <p className="auth-footer">
          Already have an account? <Link href={`/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`}>Sign in</Link>
        </p>
      </div>
    </main>
  );
}
