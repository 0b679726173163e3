import type { Metadata } from "next";
import Link from "next/link";
import { RevokeButton } from "@/app/components/revoke-button";
import { TopBar } from "@/app/components/top-bar";
import { formatTimestamp } from "@/lib/analytics/format";
import { requirePageUser } from "@/lib/auth/current-user";
import { connectedApps, revocationDelaySeconds } from "@/lib/oauth/grants";

export const metadata: Metadata = { title: "Connected apps" };
export const dynamic = "force-dynamic";

export default async function ConnectedAppsPage() {
  const user = await requirePageUser("/dashboard/connected-apps");
  const apps = await connectedApps(user.id);
  return (
    <>
      <TopBar email={user.email} />
      <main className="page">
        <p className="breadcrumb">
          <Link href="/dashboard">← All deployments</Link>
        </p>
        <div className="page-header">
          <div>
            <h1>Connected apps</h1>
            <p>
              Applications you allowed to call a deployment for you (MCP clients such as Claude, Cursor or VS Code sign in this way). Revoking one ends its
              refresh tokens at once and its access tokens within {revocationDelaySeconds} seconds.
            </p>
          </div>
        </div>
        <section className="card section" data-testid="connected-apps">
          {apps.length === 0 ? (
            <div className="empty empty-compact">
              <h2>No connected apps</h2>
              <p>When an MCP client asks to use one of your deployments and you allow it, it is listed here.</p>
            </div>
          ) : (
            <div className="table-scroll">
              <table className="data-table">
                <thead>
                  <tr>
                    <th>Application</th>
                    <th>Deployment</th>
                    <th>Connected</th>
                    <th>Last used</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {apps.map((app) => (
                    <tr key={app.id} data-connected-app={app.clientName}>
                      <td>{app.clientName}</td>
                      <td className="mono">
                        {app.deployment ? (
                          <Link href={`/dashboard/deployments/${app.deployment.id}`}>{app.deployment.name}</Link>
                        ) : (
                          <span className="muted">deleted</span>
                        )}
                      </td>
                      <td className="mono nowrap">{formatTimestamp(new Date(app.createdAt))}</td>
                      <td className="mono nowrap">{app.lastUsedAt ? formatTimestamp(new Date(app.lastUsedAt)) : <span className="muted">never</span>}</td>
                      <td>
                        <RevokeButton url={`/api/connected-apps/${encodeURIComponent(app.id)}`} name={app.clientName} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </main>
    </>
  );
}
