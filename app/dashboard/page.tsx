import type { Metadata } from "next";
import Link from "next/link";
import { TopBar } from "@/app/components/top-bar";
import { CopyButton } from "@/app/dashboard/copy-button";
import { Sparkline } from "@/app/dashboard/sparkline";
import { StatusToggle } from "@/app/dashboard/status-toggle";
import { formatCount, formatMs, formatPercent } from "@/lib/analytics/format";
import { deploymentsOverview } from "@/lib/analytics/queries/deployments-overview";
import { requirePageUser } from "@/lib/auth/current-user";
import { deploymentsOf, gatewayPath } from "@/lib/deployments/service";
import { circuitState } from "@/lib/gateway/circuit-store";

export const metadata: Metadata = { title: "Deployments" };
export const dynamic = "force-dynamic";

const circuitLabels = { closed: "Healthy", open: "Circuit open", "half-open": "Recovering" } as const;

export default async function DashboardPage() {
  const user = await requirePageUser("/dashboard");
  const deployments = await deploymentsOf(user.id);
  const ids = deployments.map((deployment) => deployment.id);
  const [overview, circuits] = await Promise.all([deploymentsOverview(ids), Promise.all(ids.map((id) => circuitState(id)))]);
  return (
    <>
      <TopBar email={user.email} />
      <main className="page page-wide">
        <div className="page-header">
          <div>
            <h1>Deployments</h1>
            <p>Every request to these reaches them through the gateway, signed in as you. Figures cover the last 24 hours.</p>
          </div>
        </div>
        <section className="card">
          {deployments.length === 0 ? (
            <div className="empty">
              <h2>No deployments yet</h2>
              <p>Deployments appear here once the platform creates them. An operator can create one with:</p>
              <pre>npm run cli -- deployment:create --owner {user.email} --name my-app --target http://127.0.0.1:8080</pre>
            </div>
          ) : (
            <table className="table overview-table">
              <thead>
                <tr>
                  <th>Deployment</th>
                  <th>Status</th>
                  <th>Link</th>
                  <th className="numeric">Requests</th>
                  <th className="numeric">Errors</th>
                  <th className="numeric">p95</th>
                  <th>Last 24 h</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {deployments.map((deployment, index) => {
                  const { totals, sparkline } = overview.get(deployment.id)!;
                  const circuit = circuits[index];
                  return (
                    <tr key={deployment.id} data-deployment={deployment.name}>
                      <td>
                        <div className="deployment-name">
                          <Link href={`/dashboard/deployments/${deployment.id}`}>{deployment.name}</Link>
                        </div>
                        <div className="deployment-target mono">{deployment.id}</div>
                      </td>
                      <td>
                        <div className="badges">
                          <span className={`badge badge-${deployment.status}`}>{deployment.status}</span>
                          <span className={`badge badge-circuit-${circuit}`} data-circuit={circuit}>
                            {circuitLabels[circuit]}
                          </span>
                        </div>
                      </td>
                      <td>
                        {deployment.appUrl ? (
                          <div className="gateway-link" data-testid="app-link">
                            <a href={deployment.appUrl} target="_blank" rel="noreferrer">
                              {new URL(deployment.appUrl).host}
                            </a>
                            <CopyButton path={deployment.appUrl} />
                          </div>
                        ) : null}
                        <div className={deployment.appUrl ? "gateway-link gateway-link-secondary" : "gateway-link"}>
                          <a href={gatewayPath(deployment.userId, deployment.id)} target="_blank" rel="noreferrer">
                            {gatewayPath(deployment.userId, deployment.id)}
                          </a>
                          <CopyButton path={gatewayPath(deployment.userId, deployment.id)} />
                        </div>
                      </td>
                      <td className="numeric" data-label="Requests" data-testid="overview-requests">
                        {formatCount(totals.requests)}
                      </td>
                      <td className={`numeric${totals.errorRate && totals.errorRate >= 0.05 ? " text-bad" : ""}`} data-label="Errors">
                        {formatPercent(totals.errorRate)}
                      </td>
                      <td className="numeric" data-label="p95">
                        {formatMs(totals.p95)}
                      </td>
                      <td>
                        <Sparkline values={sparkline} label={`Requests per hour over the last 24 hours for ${deployment.name}`} />
                      </td>
                      <td>
                        <StatusToggle id={deployment.id} status={deployment.status} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </section>
      </main>
    </>
  );
}
