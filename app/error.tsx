"use client";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="error-page">
      <h1>Something went wrong</h1>
      <p>Gatehouse could not show this page.{error.digest ? ` Reference: ${error.digest}.` : ""}</p>
      <button type="button" className="button" onClick={reset}>
        Try again
      </button>
    </main>
  );
}
