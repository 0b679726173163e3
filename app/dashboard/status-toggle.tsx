"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

/** Stops a running deployment or starts a stopped one, through the deployments API. */
export function StatusToggle({ id, status }: { id: string; status: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const next = status === "running" ? "stopped" : "running";

  async function toggle() {
    setPending(true);
    setError(undefined);
    const response = await fetch(`/api/deployments/${id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: next }),
    });
    if (!response.ok) setError((await response.json().catch(() => null))?.detail ?? "Could not change the status.");
    setPending(false);
    router.refresh();
  }

  return (
    <>
      <button className="button button-small" type="button" onClick={toggle} disabled={pending}>
        {status === "running" ? "Stop" : "Start"}
      </button>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
    </>
  );
}
