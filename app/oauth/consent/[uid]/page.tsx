import type { Metadata } from "next";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { Brand } from "@/app/components/brand";
import { consentViewHeader, consentViewSchema } from "@/lib/oauth/consent";

export const metadata: Metadata = { title: "Connect an application" };
export const dynamic = "force-dynamic";

/** server.ts checks the sign-in and the pending authorization, and hands this page what to show. */
async function stampedView() {
  const stamped = (await headers()).get(consentViewHeader);
  if (!stamped) return null;
  const parsed = consentViewSchema.safeParse(JSON.parse(Buffer.from(stamped, "base64url").toString()));
  return parsed.success ? parsed.data : null;
}

export default async function ConsentPage() {
  const view = await stampedView();
  if (!view) notFound();
  return (
    <main className="auth-shell">
      <div className="card auth-card consent-card">
        <Brand />
        <h1>Connect {view.clientName}?</h1>
        {view.deployment ? (
          <p className="lead">
            <strong>{view.clientName}</strong> wants to call your deployment <strong className="mono">{view.deployment.name}</strong> on your behalf.
          </p>
        ) : (
          <p className="alert alert-error" role="alert">
            {view.refusal}
          </p>
        )}
        <dl className="consent-facts">
          <dt>Application</dt>
          <dd>
            {view.clientName}
            {view.clientId.startsWith("https://") && view.clientName !== view.clientId ? (
              <span className="muted mono consent-client-id"> {view.clientId}</span>
            ) : null}
          </dd>
          <dt>Sends you back to</dt>
          <dd className="mono">{view.redirectTo}</dd>
        </dl>
        {view.loopbackOnly ? (
          <p className="alert alert-error" role="note">
            This application receives its answer on this computer (a loopback address). Any program here could have registered it: allow only if you just
            started connecting it yourself.
          </p>
        ) : null}
        <form method="post" action={`/oauth/consent/${view.uid}`} className="consent-actions">
          <button type="submit" name="decision" value="deny" className="button">
            Deny
          </button>
          {view.deployment ? (
            <button type="submit" name="decision" value="allow" className="button button-primary">
              Allow
            </button>
          ) : null}
        </form>
        <p className="auth-footer muted">You can revoke access at any time under Connected apps.</p>
      </div>
    </main>
  );
}
