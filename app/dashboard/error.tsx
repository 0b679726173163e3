"use client";

export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="error-page">
      <h1>Your deployments could not load</h1>
      <p>Gatehouse could not read them just now; requests through the gateway are not affected.{error.digest ? ` Reference: ${error.digest}.` : ""}</p>
      <button type="button" className="button" onClick={reset}>
        Try again
      </button>
    </main>
  );
}
