import type { Metadata } from "next";
import Link from "next/link";
import { RevokeButton } from "@/app/components/revoke-button";
import { TopBar } from "@/app/components/top-bar";
import { NewTokenForm } from "@/app/dashboard/tokens/new-token-form";
import { formatTimestamp } from "@/lib/analytics/format";
import { listApiTokens } from "@/lib/api-tokens/tokens";
import { requirePageUser } from "@/lib/auth/current-user";
import { deploymentsOf } from "@/lib/deployments/service";

export const metadata: Metadata = { title: "API tokens" };
export const dynamic = "force-dynamic";

export default async function TokensPage() {
  const user = await requirePageUser("/dashboard/tokens");
  const [tokens, deployments] = await Promise.all([listApiTokens(user.id), deploymentsOf(user.id)]);
  const now = Date.now();
  return (
    <>
      <TopBar email={user.email} />
      <main className="page">
        <p className="breadcrumb">
          <Link href="/dashboard">← All deployments</Link>
        </p>
        <div className="page-header">
          <div>
            <h1>API tokens</h1>
            <p>
              Programs call your deployments with <code>Authorization: Bearer ght_…</code> (or <code>X-Gatehouse-Token</code>). A token is shown once; revoking
              it stops it on every instance within 5 seconds.
            </p>
          </div>
        </div>
        <section className="card section">
          <h2>New token</h2>
          <NewTokenForm deployments={deployments.map(({ id, name }) => ({ id, name }))} />
        </section>
        <section className="card section" data-testid="tokens">
          {tokens.length === 0 ? (
            <div className="empty empty-compact">
              <h2>No tokens yet</h2>
              <p>Make one above for each program that calls your deployments, so that each can be revoked alone.</p>
            </div>
          ) : (
            <div className="table-scroll">
              <table className="data-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Token</th>
                    <th>Scope</th>
                    <th>Created</th>
                    <th>Last used</th>
                    <th>Expires</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {tokens.map((token) => {
                    const expired = token.expiresAt !== null && Date.parse(token.expiresAt) <= now;
                    return (
                      <tr key={token.id} data-token={token.name}>
                        <td>{token.name}</td>
                        <td className="mono nowrap">{token.prefix}…</td>
                        <td>{token.deployments ? token.deployments.map((deployment) => deployment.name).join(", ") : "All deployments"}</td>
                        <td className="mono nowrap">{formatTimestamp(new Date(token.createdAt))}</td>
                        <td className="mono nowrap">{token.lastUsedAt ? formatTimestamp(new Date(token.lastUsedAt)) : <span className="muted">never</span>}</td>
                        <td className={`mono nowrap${expired ? " text-bad" : ""}`}>
                          {token.expiresAt ? `${expired ? "expired " : ""}${formatTimestamp(new Date(token.expiresAt))}` : <span className="muted">never</span>}
                        </td>
                        <td>
                          <RevokeButton url={`/api/tokens/${encodeURIComponent(token.id)}`} name={token.name} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </main>
    </>
  );
}
