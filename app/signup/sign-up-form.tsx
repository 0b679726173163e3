"use client";

import { signIn } from "next-auth/react";
import { type FormEvent, useState } from "react";

export function SignUpForm({ callbackUrl }: { callbackUrl: string }) {
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email"));
    const password = String(form.get("password"));
    const name = String(form.get("name") ?? "").trim();
    setPending(true);
    setError(undefined);
    const response = await fetch("/api/signup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password, ...(name ? { name } : {}) }),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      setError(problem?.detail ?? "The account could not be created.");
      setPending(false);
      return;
    }
    // The answer is the same for a new and a taken email; signing in tells the owner which it was.
    const result = await signIn("credentials", { email, password, redirect: false, callbackUrl });
    window.location.assign(result?.ok && !result.error ? callbackUrl : `/signin?callbackUrl=${encodeURIComponent(callbackUrl)}&error=CredentialsSignin`);
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
          <label htmlFor="name">Name</label>
          <input id="name" name="name" autoComplete="name" maxLength={100} />
        </div>
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" autoComplete="email" required />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" autoComplete="new-password" minLength={8} maxLength={72} required />
        </div>
        <button className="button button-primary" type="submit" disabled={pending}>
          {pending ? "Creating…" : "Create account"}
        </button>
      </form>
    </>
  );
}
