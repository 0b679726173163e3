"use client";

import Link from "next/link";

export default function DeploymentError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="error-page">
      <h1>This deployment&apos;s dashboard could not load</h1>
      <p>Its figures could not be read just now; the deployment itself is not affected.{error.digest ? ` Reference: ${error.digest}.` : ""}</p>
      <p>
        <button type="button" className="button" onClick={reset}>
          Try again
        </button>{" "}
        <Link className="button" href="/dashboard">
          All deployments
        </Link>
      </p>
    </main>
  );
}
