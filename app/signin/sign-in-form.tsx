"use client";

import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";
import type { OAuthProviderLink } from "@/lib/auth/providers";

type Props = { callbackUrl: string; providers: OAuthProviderLink[]; initialError?: string; initialEmail?: string };

export function SignInForm({ callbackUrl, providers, initialError }: Props) {
  const [error, setError] = useState(initialError);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    const result = await signIn("credentials", {
      email: String(form.get("email")),
      password: String(form.get("password")),
      redirect: false,
      callbackUrl,
    });
    if (result?.ok && !result.error) {
      window.location.assign(callbackUrl);
      return;
    }
    setPending(false);
    setError("That email and password do not match an account.");
  }

  return (
    <>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" autoComplete="email" required />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="current-password" required />
        </div>
        <button className="button button-primary" type="submit" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {providers.length > 0 && <div className="divider">or</div>}
      {providers.map((provider) => (
        <button type="button" key={provider.id} className="button" style={{ marginBottom: 8 }} onClick={() => signIn(provider.id, { callbackUrl })}>
          Continue with {provider.name}
        </button>
      ))}
    </>
  );
}
