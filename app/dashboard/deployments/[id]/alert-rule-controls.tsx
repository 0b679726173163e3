"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, type ReactNode, useState } from "react";
import { alertKindLabels, thresholdUnits } from "@/lib/alerts/labels";
import type { AlertKind } from "@/lib/generated/prisma/enums.ts";

const kinds = Object.keys(alertKindLabels) as AlertKind[];

/** The editable part of a rule as the API takes it, read from a form holding `RuleFields`. */
function ruleFromForm(kind: AlertKind, form: FormData) {
  return {
    ...(thresholdUnits[kind] ? { threshold: String(form.get("threshold")).trim() || null, windowMinutes: form.get("windowMinutes") } : {}),
    webhookUrl: String(form.get("webhookUrl")).trim() || null,
  };
}

/** Sends a change to the API; answers with the problem's detail on failure, or the webhook secret shown once. */
async function send(url: string, method: "POST" | "PATCH" | "DELETE", body?: object): Promise<{ error: string } | { webhookSecret: string | null }> {
  try {
    const response = await fetch(url, { method, ...(body ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}) });
    const answer = await response.json().catch(() => null);
    if (!response.ok) return { error: answer?.detail ?? `The change could not be made (${response.status}).` };
    return { webhookSecret: answer?.webhookSecret ?? null };
  } catch {
    return { error: "The gateway could not be reached. Check your connection and try again." };
  }
}

/** Threshold, window and webhook inputs; `idPrefix` keeps labels unique when several forms share the page. */
function RuleFields({ kind, idPrefix, rule }: { kind: AlertKind; idPrefix: string; rule?: Omit<EditableRule, "id" | "kind"> }) {
  const unit = thresholdUnits[kind];
  return (
    <>
      {unit && (
        <>
          <div className="field">
            <label htmlFor={`${idPrefix}-threshold`}>Is above ({unit})</label>
            <input
              id={`${idPrefix}-threshold`}
              name="threshold"
              type="number"
              min={0}
              max={kind === "error_rate" ? 100 : undefined}
              step={kind === "error_rate" ? "any" : 1}
              defaultValue={rule?.threshold ?? undefined}
              required
            />
          </div>
          <div className="field">
            <label htmlFor={`${idPrefix}-window`}>Over (minutes)</label>
            <input id={`${idPrefix}-window`} name="windowMinutes" type="number" min={1} max={1440} defaultValue={rule?.windowMinutes ?? 5} required />
          </div>
        </>
      )}
      <div className="field alert-webhook-field">
        <label htmlFor={`${idPrefix}-webhook`}>Webhook URL (optional)</label>
        <input
          id={`${idPrefix}-webhook`}
          name="webhookUrl"
          type="url"
          placeholder="https://hooks.example.com/gatehouse"
          defaultValue={rule?.webhookUrl ?? ""}
        />
        <small className="muted">Receives a signed JSON POST when the rule fires and when it resolves.</small>
      </div>
    </>
  );
}

/** A webhook's signing secret, shown once until the owner dismisses it. */
function WebhookSecret({ secret, onDone }: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="alert alert-ok webhook-secret" role="status">
      <div>Rule saved with a new webhook. Its signing secret is shown only now: copy it into your receiver.</div>
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
        <button className="button button-small" type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

/** Adds a rule. */
export function AlertRuleForm({ deploymentId }: { deploymentId: string }) {
  const router = useRouter();
  const [kind, setKind] = useState<AlertKind>("error_rate");
  const [error, setError] = useState<string>();
  const [secret, setSecret] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    setPending(true);
    setError(undefined);
    setSecret(null);
    const result = await send(`/api/deployments/${deploymentId}/alerts`, "POST", { kind, ...ruleFromForm(kind, new FormData(formElement)) });
    setPending(false);
    if ("error" in result) return setError(result.error);
    formElement.reset();
    setKind("error_rate");
    setSecret(result.webhookSecret);
    router.refresh();
  }

  return (
    <form onSubmit={create} className="settings-form alert-rule-form" aria-label="New alert rule">
      <h3>New rule</h3>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {secret && <WebhookSecret key={secret} secret={secret} onDone={() => setSecret(null)} />}
      <div className="alert-form-grid">
        <div className="field">
          <label htmlFor="alert-kind">When</label>
          <select id="alert-kind" name="kind" value={kind} onChange={(event) => setKind(event.target.value as AlertKind)}>
            {kinds.map((value) => (
              <option key={value} value={value}>
                {alertKindLabels[value]}
              </option>
            ))}
          </select>
        </div>
        <RuleFields kind={kind} idPrefix="alert" />
      </div>
      <button className="button button-primary" type="submit" disabled={pending}>
        {pending ? "Adding…" : "Add rule"}
      </button>
    </form>
  );
}

export interface EditableRule {
  id: string;
  kind: AlertKind;
  threshold: number | null;
  windowMinutes: number;
  webhookUrl: string | null;
}

/**
 * A rule's row (its cells come from the server) with Edit and Delete; editing opens a form in the row
 * below, so the table keeps its columns on every screen.
 */
export function AlertRuleRow({ deploymentId, rule, children }: { deploymentId: string; rule: EditableRule; children: ReactNode }) {
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string>();
  const [secret, setSecret] = useState<string | null>(null);
  const url = `/api/deployments/${deploymentId}/alerts/${rule.id}`;
  const label = `${alertKindLabels[rule.kind]} rule`;
  const editorId = `rule-${rule.id}-editor`;

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const change = ruleFromForm(rule.kind, new FormData(event.currentTarget));
    setSaving(true);
    setError(undefined);
    const result = await send(url, "PATCH", change);
    setSaving(false);
    if ("error" in result) return setError(result.error);
    setEditing(false);
    // A secret still on screen stays until dismissed, unless a newer one replaces it or its webhook is gone.
    if (result.webhookSecret || !change.webhookUrl) setSecret(result.webhookSecret);
    router.refresh();
  }

  async function remove() {
    setDeleting(true);
    setError(undefined);
    const result = await send(url, "DELETE");
    setDeleting(false);
    if ("error" in result) {
      setEditing(true);
      return setError(result.error);
    }
    router.refresh();
  }

  return (
    <>
      <tr data-rule={rule.kind}>
        {children}
        <td className="alert-actions">
          <button
            className="button button-small"
            type="button"
            aria-label={editing ? `Cancel editing ${label}` : `Edit ${label}`}
            aria-expanded={editing}
            aria-controls={editorId}
            onClick={() => {
              setEditing(!editing);
              setError(undefined);
            }}
          >
            {editing ? "Cancel" : "Edit"}
          </button>{" "}
          <button className="button button-small" type="button" aria-label={`Delete ${label}`} disabled={deleting} onClick={remove}>
            {deleting ? "Deleting…" : "Delete"}
          </button>
        </td>
      </tr>
      {(editing || secret) && (
        <tr className="alert-rule-editor" data-editing={rule.kind}>
          <td colSpan={5}>
            {secret && <WebhookSecret key={secret} secret={secret} onDone={() => setSecret(null)} />}
            {editing && (
              <form id={editorId} onSubmit={save} className="settings-form" aria-label={`Edit ${label}`}>
                {error && (
                  <div className="alert alert-error" role="alert">
                    {error}
                  </div>
                )}
                <div className="alert-form-grid">
                  <RuleFields kind={rule.kind} idPrefix={`rule-${rule.id}`} rule={rule} />
                </div>
                <button className="button button-primary" type="submit" disabled={saving}>
                  {saving ? "Saving…" : "Save rule"}
                </button>
              </form>
            )}
          </td>
        </tr>
      )}
    </>
  );
}
