"use client";

import { useState } from "react";

/** Copies the full gateway URL, built from the address the user is actually browsing. */
export function CopyButton({ path }: { path: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      className="button button-small"
      type="button"
      onClick={async () => {
        await navigator.clipboard.writeText(new URL(path, window.location.origin).toString());
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}
