"use client";

import { useState } from "react";

/** Copies a link, made absolute from the address the user is actually browsing, or (`text`) the text as it is. */
export function CopyButton({ path, text = false }: { path: string; text?: boolean }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      className="button button-small"
      type="button"
      onClick={async () => {
        await navigator.clipboard.writeText(text ? path : new URL(path, window.location.origin).toString());
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}
