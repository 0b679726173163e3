"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

const storageKey = "gatehouse.dashboard.autoRefresh";

/**
 * Re-renders the server components every `intervalMs` while switched on. The choice is remembered in
 * this browser, not in the URL, so shared links never make someone else's tab poll.
 */
export function AutoRefresh({ intervalMs }: { intervalMs: number }) {
  const router = useRouter();
  const [on, setOn] = useState(false);
  const [refreshedAt, setRefreshedAt] = useState<number>();

  useEffect(() => setOn(localStorage.getItem(storageKey) === "1"), []);

  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => {
      // A hidden tab would poll the database for nobody.
      if (document.visibilityState !== "visible") return;
      router.refresh();
      setRefreshedAt(Date.now());
    }, intervalMs);
    return () => clearInterval(timer);
  }, [on, intervalMs, router]);

  return (
    <label className="toggle" title={refreshedAt ? `Last refreshed ${new Date(refreshedAt).toLocaleTimeString()}` : undefined}>
      <input
        type="checkbox"
        checked={on}
        onChange={(event) => {
          setOn(event.target.checked);
          localStorage.setItem(storageKey, event.target.checked ? "1" : "0");
        }}
      />
      <span className="toggle-track" aria-hidden />
      Auto-refresh {intervalMs / 1000}s
    </label>
  );
}
