import type { Metadata } from "next";
import { Brand } from "@/app/components/brand";
import { SignOutButton } from "@/app/signout/sign-out-button";

export const metadata: Metadata = { title: "Sign out" };

export default function SignOutPage() {
  return (
    <main className="auth-shell">
      <div className="card auth-card">
        <Brand />
        <h1>Sign out</h1>
        <p className="lead">You will need to sign in again to reach your deployments.</p>
        <SignOutButton />
      </div>
    </main>
  );
}
