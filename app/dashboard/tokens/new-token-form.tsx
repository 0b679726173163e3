"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { CopyButton } from "@/app/dashboard/copy-button";

/** Makes a token through the tokens API and shows its secret, once. */
export function NewTokenForm({ deployments }: { deployments: { id: string; name: string }[] }) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [created, setCreated] = useState<{ name: string; token: string }>();
  const [pending, setPending] = useState(false);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const days = String(form.get("expiresInDays") ?? "");
    setPending(true);
    setError(undefined);
    setCreated(undefined);
    const response = await fetch("/api/tokens", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: form.get("name"),
        expiresInDays: days ? Number(days) : null,
        deploymentIds: form.getAll("deploymentIds").map(String),
      }),
    });
    setPending(false);
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      setError(body?.detail ?? "The token could not be made.");
      return;
    }
    setCreated({ name: body.name, token: body.token });
    formElement.reset();
    router.refresh();
  }

  return (
    <form onSubmit={create} className="settings-form">
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {created && (
        <div className="alert alert-ok" role="status" data-testid="new-token">
          <p>
            <strong>{created.name}</strong>: copy it now, it is not shown again.
          </p>
          <div className="gateway-link">
            <code className="mono" data-testid="new-token-value">
              {created.token}
            </code>
            <CopyButton path={created.token} text />
          </div>
        </div>
      )}
      <div className="field-row">
        <div className="field">
          <label htmlFor="token-name">Name</label>
          <input id="token-name" name="name" required maxLength={100} placeholder="ci-deploy-check" />
        </div>
        <div className="field">
          <label htmlFor="token-expiry">Expires</label>
          <select id="token-expiry" name="expiresInDays" defaultValue="90">
            <option value="7">in 7 days</option>
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in a year</option>
            <option value="">never</option>
          </select>
        </div>
      </div>
      {deployments.length > 0 && (
        <fieldset className="field token-scope">
          <legend>Deployments (none chosen: all of yours)</legend>
          {deployments.map((deployment) => (
            <label key={deployment.id} className="checkbox">
              <input type="checkbox" name="deploymentIds" value={deployment.id} /> {deployment.name}
            </label>
          ))}
        </fieldset>
      )}
      <button className="button button-primary" type="submit" disabled={pending}>
        Create token
      </button>
    </form>
  );
}
