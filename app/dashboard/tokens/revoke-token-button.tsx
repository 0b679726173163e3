"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

export function RevokeTokenButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  return (
    <button
      className="button button-small"
      type="button"
      disabled={pending}
      aria-label={`Revoke ${name}`}
      onClick={async () => {
        setPending(true);
        await fetch(`/api/tokens/${encodeURIComponent(id)}`, { method: "DELETE" });
        setPending(false);
        router.refresh();
      }}
    >
      Revoke
    </button>
  );
}
