"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

export function MarkAllReadButton() {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  return (
    <button
      className="button"
      type="button"
      disabled={pending}
      onClick={async () => {
        setPending(true);
        await fetch("/api/alerts/read", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        setPending(false);
        router.refresh();
      }}
    >
      Mark all read
    </button>
  );
}
