import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { TopBar } from "@/app/components/top-bar";
import { AlertsPanel } from "@/app/dashboard/deployments/[id]/alerts-panel";
import { CopyButton } from "@/app/dashboard/copy-button";
import { DeploymentSettings } from "@/app/dashboard/deployments/[id]/settings-form";
import { StatusToggle } from "@/app/dashboard/status-toggle";
import { requirePageUser } from "@/lib/auth/current-user";
import { config } from "@/lib/config";
import { recentDeploymentEvents } from "@/lib/deployments/events";
import { deploymentOf, gatewayPath } from "@/lib/deployments/service";
import { gateway } from "@/lib/gateway/pipeline";

export const metadata: Metadata = { title: "Deployment" };
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

const circuitLabels = { closed: "Healthy", open: "Circuit open", "half-open": "Recovering" } as const;

export default async function DeploymentPage({ params }: Props) {
  const { id } = await params;
  const user = await requirePageUser(`/dashboard/deployments/${id}`);
  const deployment = await deploymentOf(user.id, id);
  if (!deployment) notFound();
  const [events, circuit] = await Promise.all([recentDeploymentEvents(id), gateway().breakers.stateOf(id)]);
  const fallback = config().GATEWAY_RATE_LIMIT_DEPLOYMENT;
  const path = gatewayPath(deployment.userId, deployment.id);

  return (
    <>
      <TopBar email={user.email} />
      <main className="page">
        <p><Link href="/dashboard">← All deployments</Link></p>
        <div className="page-header">
          <div>
            <h1>{deployment.name}</h1>
            <p className="mono">{deployment.id}</p>
          </div>
          <div className="header-actions">
            <span className={`badge badge-${deployment.status}`}>{deployment.status}</span>
            <span className={`badge badge-circuit-${circuit}`} data-circuit={circuit}>{circuitLabels[circuit]}</span>
            <StatusToggle id={deployment.id} status={deployment.status} />
          </div>
        </div>

        <section className="card section">
          <h2>Gateway URL</h2>
          <div className="gateway-link">
            <a href={path} target="_blank" rel="noreferrer">{deployment.gatewayUrl}</a>
            <CopyButton path={path} />
          </div>
        </section>

        <section className="card section">
          <h2>Settings</h2>
          <DeploymentSettings
            id={deployment.id}
            rateLimit={deployment.rateLimit}
            algorithm={deployment.rateLimitAlgorithm}
            burst={deployment.rateLimitBurst}
            corsOrigins={deployment.corsOrigins}
            defaultRateLimit={`${fallback.limit}/${fallback.windowSeconds}s`}
          />
        </section>

        <AlertsPanel userId={user.id} deploymentId={deployment.id} />

        <section className="card section">
          <h2>Events</h2>
          {events.length === 0 ? (
            <p className="muted">Nothing has happened to this deployment yet: status changes and circuit breaker transitions appear here.</p>
          ) : (
            <table className="table" data-testid="events">
              <thead>
                <tr>
                  <th>When</th>
                  <th>What</th>
                  <th>Change</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {events.map((event) => (
                  <tr key={event.id}>
                    <td className="mono">{event.at.toISOString().replace("T", " ").slice(0, 19)} UTC</td>
                    <td>{event.kind === "breaker" ? "Circuit breaker" : "Status"}</td>
                    <td>{event.from} → {event.to}</td>
                    <td>{event.reason}</td>
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
