import type { Metadata } from "next";
import Link from "next/link";
import { TopBar } from "@/app/components/top-bar";
import { CopyButton } from "@/app/dashboard/copy-button";
import { StatusToggle } from "@/app/dashboard/status-toggle";
import { requirePageUser } from "@/lib/auth/current-user";
import { deploymentsOf, gatewayPath } from "@/lib/deployments/service";

export const metadata: Metadata = { title: "Deployments" };
export const dynamic = "force-dynamic";

export default async function DashboardPage() {
  const user = await requirePageUser("/dashboard");
  const deployments = await deploymentsOf(user.id);
  return (
    <>
      <TopBar email={user.email} />
      <main className="page">
        <div className="page-header">
          <div>
            <h1>Deployments</h1>
            <p>Every request to these reaches them through the gateway, signed in as you.</p>
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
            <table className="table">
              <thead>
                <tr>
                  <th>Deployment</th>
                  <th>Status</th>
                  <th>Gateway URL</th>
                  <th aria-label="Actions" />
                </tr>
              </thead>
              <tbody>
                {deployments.map((deployment) => (
                  <tr key={deployment.id} data-deployment={deployment.name}>
                    <td>
                      <div className="deployment-name">
                        <Link href={`/dashboard/deployments/${deployment.id}`}>{deployment.name}</Link>
                      </div>
                      <div className="deployment-target mono">{deployment.id}</div>
                    </td>
                    <td>
                      <span className={`badge badge-${deployment.status}`}>{deployment.status}</span>
                    </td>
                    <td>
                      <div className="gateway-link">
                        <a href={gatewayPath(deployment.userId, deployment.id)} target="_blank" rel="noreferrer">
                          {gatewayPath(deployment.userId, deployment.id)}
                        </a>
                        <CopyButton path={gatewayPath(deployment.userId, deployment.id)} />
                      </div>
                    </td>
                    <td>
                      <StatusToggle id={deployment.id} status={deployment.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </main>
    </>
  );
}
