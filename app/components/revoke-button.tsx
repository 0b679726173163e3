"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

/** A **Revoke** button that DELETEs `url` and refreshes the page (API tokens, connected apps). */
export function RevokeButton({ url, name }: { url: string; name: string }) {
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
        await fetch(url, { method: "DELETE" });
        setPending(false);
        router.refresh();
      }}
    >
      Revoke
    </button>
  );
}
