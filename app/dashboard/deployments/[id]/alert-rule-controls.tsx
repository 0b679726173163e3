"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { alertKindLabels, thresholdUnits } from "@/lib/alerts/labels";
import type { AlertKind } from "@/lib/generated/prisma/enums.ts";

const kinds = Object.keys(alertKindLabels) as AlertKind[];

/** Adds a rule; a webhook's signing secret comes back once and is shown until the owner dismisses it. */
export function AlertRuleForm({ deploymentId }: { deploymentId: string }) {
  const router = useRouter();
  const [kind, setKind] = useState<AlertKind>("error_rate");
  const [error, setError] = useState<string>();
  const [secret, setSecret] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [pending, setPending] = useState(false);
  const unit = thresholdUnits[kind];

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    setPending(true);
    setError(undefined);
    setSecret(null);
    const response = await fetch(`/api/deployments/${deploymentId}/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        kind,
        ...(unit ? { threshold: String(form.get("threshold")).trim() || null, windowMinutes: form.get("windowMinutes") } : {}),
        webhookUrl: String(form.get("webhookUrl")).trim() || null,
      }),
    });
    setPending(false);
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      setError(body?.detail ?? "The rule could not be created.");
      return;
    }
    formElement.reset();
    setKind("error_rate");
    setSecret(body.webhookSecret);
    router.refresh();
  }

  return (
    <form onSubmit={create} className="settings-form alert-rule-form" aria-label="New alert rule">
      <h3>New rule</h3>
      {error && <div className="alert alert-error" role="alert">{error}</div>}
      {secret && (
        <div className="alert alert-ok webhook-secret" role="status">
          <div>Rule created. Its webhook signing secret is shown only now: copy it into your receiver.</div>
          <div className="secret-row">
            <code data-testid="webhook-secret">{secret}</code>
            <button
              className="button button-small"
              type="button"
              onClick={async () => {
                await navigator.clipboard.writeText(secret);
                setCopied(true);
              }}
            >
              {copied ? "Copied" : "Copy"}
            </button>
            <button className="button button-small" type="button" onClick={() => setSecret(null)}>Done</button>
          </div>
        </div>
      )}
      <div className="alert-form-grid">
        <div className="field">
          <label htmlFor="alert-kind">When</label>
          <select id="alert-kind" name="kind" value={kind} onChange={(event) => setKind(event.target.value as AlertKind)}>
            {kinds.map((value) => (
              <option key={value} value={value}>{alertKindLabels[value]}</option>
            ))}
          </select>
        </div>
        {unit && (
          <>
            <div className="field">
              <label htmlFor="alert-threshold">Is above ({unit})</label>
              <input id="alert-threshold" name="threshold" type="number" min={0} max={kind === "error_rate" ? 100 : undefined} step={kind === "error_rate" ? "any" : 1} required />
            </div>
            <div className="field">
              <label htmlFor="alert-window">Over (minutes)</label>
              <input id="alert-window" name="windowMinutes" type="number" min={1} max={1440} defaultValue={5} required />
            </div>
          </>
        )}
      </div>
      <div className="field">
        <label htmlFor="alert-webhook">Webhook URL (optional)</label>
        <input id="alert-webhook" name="webhookUrl" type="url" placeholder="https://hooks.example.com/gatehouse" />
        <small className="muted">Receives a signed JSON POST when the rule fires and when it resolves.</small>
      </div>
      <button className="button button-primary" type="submit" disabled={pending}>{pending ? "Adding…" : "Add rule"}</button>
    </form>
  );
}

export function DeleteRuleButton({ deploymentId, ruleId }: { deploymentId: string; ruleId: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  return (
    <button
      className="button button-small"
      type="button"
      disabled={pending}
      onClick={async () => {
        setPending(true);
        await fetch(`/api/deployments/${deploymentId}/alerts/${ruleId}`, { method: "DELETE" });
        setPending(false);
        router.refresh();
      }}
    >
      Delete
    </button>
  );
}
