"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

type Props = {
  id: string;
  rateLimit: string | null;
  algorithm: string;
  burst: number | null;
  corsOrigins: string[];
  defaultRateLimit: string;
};

/** Edits the deployment's rate limit and CORS origins through the deployments API. */
export function DeploymentSettings({ id, rateLimit, algorithm, burst, corsOrigins, defaultRateLimit }: Props) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);
  const [pending, setPending] = useState(false);

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const rate = String(form.get("rateLimit")).trim();
    const burstValue = String(form.get("burst")).trim();
    setPending(true);
    setError(undefined);
    setSaved(false);
    const response = await fetch(`/api/deployments/${id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        rateLimit: rate === "" ? "off" : rate,
        rateLimitAlgorithm: form.get("algorithm"),
        rateLimitBurst: burstValue === "" ? "off" : burstValue,
        corsOrigins: String(form.get("corsOrigins")).split(/\s+/).filter(Boolean),
      }),
    });
    setPending(false);
    if (!response.ok) {
      setError((await response.json().catch(() => null))?.detail ?? "The settings could not be saved.");
      return;
    }
    setSaved(true);
    router.refresh();
  }

  return (
    <form onSubmit={save} className="settings-form">
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {saved && (
        <div className="alert alert-ok" role="status">
          Saved. The gateway applies it to the next request.
        </div>
      )}
      <div className="field-row">
        <div className="field">
          <label htmlFor="rateLimit">Rate limit</label>
          <input id="rateLimit" name="rateLimit" defaultValue={rateLimit ?? ""} placeholder={`default: ${defaultRateLimit}`} />
          <small className="muted">Requests per window across all callers, like 300/60s, 20/1m or 1000/1h. Empty: the default.</small>
        </div>
        <div className="field">
          <label htmlFor="algorithm">Algorithm</label>
          <select id="algorithm" name="algorithm" defaultValue={algorithm}>
            <option value="sliding">Sliding window: smooth</option>
            <option value="token">Token bucket: allows bursts</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="burst">Burst (token bucket)</label>
          <input id="burst" name="burst" type="number" min={1} defaultValue={burst ?? ""} placeholder="same as the limit" />
        </div>
      </div>
      <div className="field">
        <label htmlFor="corsOrigins">Allowed CORS origins</label>
        <textarea id="corsOrigins" name="corsOrigins" rows={3} defaultValue={corsOrigins.join("\n")} placeholder="https://app.example.com" />
        <small className="muted">
          One origin per line. Browser code on these sites may call the deployment with the user&apos;s credentials; * allows any site, without credentials.
        </small>
      </div>
      <button className="button button-primary" type="submit" disabled={pending}>
        {pending ? "Saving…" : "Save settings"}
      </button>
    </form>
  );
}
