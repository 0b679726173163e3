import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { TopBar } from "@/app/components/top-bar";
import { CopyButton } from "@/app/dashboard/copy-button";
import { AlertsPanel } from "@/app/dashboard/deployments/[id]/alerts-panel";
import { AutoRefresh } from "@/app/dashboard/deployments/[id]/auto-refresh";
import { BreakdownTable } from "@/app/dashboard/deployments/[id]/breakdown-table";
import { BandwidthChart, ErrorRateChart, LatencyChart, RequestsChart } from "@/app/dashboard/deployments/[id]/charts";
import { McpPanel } from "@/app/dashboard/deployments/[id]/mcp-panel";
import { RecentRequests } from "@/app/dashboard/deployments/[id]/recent-requests";
import { DeploymentSettings } from "@/app/dashboard/deployments/[id]/settings-form";
import { StatusToggle } from "@/app/dashboard/status-toggle";
import { dashboardHref, parseDashboardParams } from "@/lib/analytics/dashboard-params";
import { formatBytes, formatCount, formatMs, formatPercent, formatTimestamp } from "@/lib/analytics/format";
import { deploymentBreakdowns } from "@/lib/analytics/queries/deployment-breakdowns";
import { deploymentSeries } from "@/lib/analytics/queries/deployment-series";
import { mcpCalls } from "@/lib/analytics/queries/mcp-calls";
import { recentRequests } from "@/lib/analytics/queries/recent-requests";
import { type TimeRange, timeRanges } from "@/lib/analytics/time-ranges";
import { requirePageUser } from "@/lib/auth/current-user";
import { config } from "@/lib/config";
import { deploymentOf, gatewayPath } from "@/lib/deployments/service";
import { deploymentTimeline } from "@/lib/deployments/timeline";
import { circuitState } from "@/lib/gateway/circuit-store";
import { type BreakdownDimension, breakdownDimensions } from "@/lib/request-log/dimensions";

export const metadata: Metadata = { title: "Deployment" };
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const circuitLabels = { closed: "Healthy", open: "Circuit open", "half-open": "Recovering" } as const;
const breakdownLabels: Record<BreakdownDimension, { title: string; value: string }> = {
  status: { title: "Status codes", value: "Status" },
  path: { title: "Top paths", value: "Path" },
  country: { title: "Countries", value: "Country" },
  agent: { title: "User agents", value: "Family" },
};
const refreshIntervalMs: Record<TimeRange, number> = { "1h": 10_000, "24h": 30_000, "7d": 60_000, "30d": 60_000 };

export default async function DeploymentPage({ params, searchParams }: Props) {
  const { id } = await params;
  const base = `/dashboard/deployments/${id}`;
  const user = await requirePageUser(base);
  const deployment = await deploymentOf(user.id, id);
  if (!deployment) notFound();
  const view = parseDashboardParams(await searchParams);
  const now = new Date();
  const [events, circuit, { series, totals }, breakdowns, mcp, requests] = await Promise.all([
    deploymentTimeline(id),
    circuitState(id),
    deploymentSeries(id, view.range, now),
    deploymentBreakdowns(id, view.range, now),
    mcpCalls(id, view.range, now),
    recentRequests(id, view.range, view.filters, view.page, 25, now),
  ]);
  const { GATEWAY_RATE_LIMIT_DEPLOYMENT: fallback, REQUEST_LOG_RETENTION_DAYS: retentionDays } = config();
  const path = gatewayPath(deployment.userId, deployment.id);
  const withDate = timeRanges[view.range].spanMs > timeRanges["24h"].spanMs;

  return (
    <>
      <TopBar email={user.email} />
      <main className="page page-wide">
        <p className="breadcrumb">
          <Link href="/dashboard">← All deployments</Link>
        </p>
        <div className="page-header">
          <div>
            <h1>{deployment.name}</h1>
            {deployment.appUrl ? (
              <div className="gateway-link" data-testid="app-link">
                <a href={deployment.appUrl} target="_blank" rel="noreferrer">
                  {deployment.appUrl}
                </a>
                <CopyButton path={deployment.appUrl} />
              </div>
            ) : null}
            <div className={deployment.appUrl ? "gateway-link gateway-link-secondary" : "gateway-link"}>
              {deployment.appUrl ? <span className="muted">Shared link:</span> : null}
              <a href={path} target="_blank" rel="noreferrer">
                {deployment.gatewayUrl}
              </a>
              <CopyButton path={path} />
            </div>
          </div>
          <div className="header-actions">
            <span className={`badge badge-${deployment.status}`}>{deployment.status}</span>
            <span className={`badge badge-circuit-${circuit}`} data-circuit={circuit}>
              {circuitLabels[circuit]}
            </span>
            <StatusToggle id={deployment.id} status={deployment.status} />
          </div>
        </div>

        {deployment.appUrl ? (
          <p className="origin-note origin-note-isolated" data-testid="app-origin-note">
            This deployment is served on an origin of its own; its pages cannot act as you on Gatehouse. The shared link takes a signed-in browser there.
          </p>
        ) : (
          <p className="origin-note" data-testid="same-origin-note">
            This deployment is served on Gatehouse's own origin, under its gateway path. Its pages' scripts run with your Gatehouse session: deploy only apps
            you trust here.
          </p>
        )}

        <div className="toolbar">
          <nav className="segmented" aria-label="Time range">
            {(Object.keys(timeRanges) as TimeRange[]).map((range) => (
              <Link
                key={range}
                href={dashboardHref(base, view, { range })}
                aria-current={range === view.range ? "page" : undefined}
                title={`Last ${timeRanges[range].label}`}
              >
                {range}
              </Link>
            ))}
          </nav>
          <AutoRefresh intervalMs={refreshIntervalMs[view.range]} />
        </div>

        <div className="stats" data-testid="stats">
          <Stat label="Requests" value={formatCount(totals.requests)} testId="stat-requests" raw={totals.requests} />
          <Stat
            label="Error rate"
            value={formatPercent(totals.errorRate)}
            testId="stat-error-rate"
            detail={`${formatCount(totals.status5xx)} 5xx`}
            tone={totals.errorRate && totals.errorRate >= 0.05 ? "bad" : undefined}
          />
          <Stat label="p95 latency" value={formatMs(totals.p95)} testId="stat-p95" detail={`p50 ${formatMs(totals.p50)} · p99 ${formatMs(totals.p99)}`} />
          <Stat label="Bandwidth" value={formatBytes(totals.bytesOut)} testId="stat-bandwidth" detail={`out · ${formatBytes(totals.bytesIn)} in`} />
          <Stat label="Rate limited" value={formatCount(totals.rateLimited)} testId="stat-rate-limited" detail="answered 429 by the gateway" />
        </div>

        {totals.requests === 0 ? (
          <section className="card empty" data-testid="charts-empty">
            <h2>No requests in this range yet</h2>
            <p>Charts fill in as requests reach this deployment through its gateway URL. Try a longer range, or send one now.</p>
          </section>
        ) : (
          <div className="chart-grid">
            <RequestsChart series={series} withDate={withDate} />
            <LatencyChart series={series} withDate={withDate} />
            <BandwidthChart series={series} withDate={withDate} />
            <ErrorRateChart series={series} withDate={withDate} />
          </div>
        )}

        <AlertsPanel userId={user.id} deploymentId={deployment.id} />

        <div className="breakdown-grid">
          {breakdownDimensions.map((dimension) => (
            <BreakdownTable
              key={dimension}
              dimension={dimension}
              title={breakdownLabels[dimension].title}
              valueLabel={breakdownLabels[dimension].value}
              rows={breakdowns[dimension]}
            />
          ))}
        </div>
        {view.range === "1h" && <p className="muted footnote">Breakdowns are counted per clock hour, so on this range they include the whole previous hour.</p>}

        {mcp && <McpPanel data={mcp} />}

        <RecentRequests base={base} params={view} page={requests} retentionDays={retentionDays} />

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

        <section className="card section">
          <h2>Events</h2>
          {events.length === 0 ? (
            <p className="muted">Nothing has happened to this deployment yet: status changes, circuit breaker transitions and alerts appear here.</p>
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
                    <td className="mono">{formatTimestamp(event.at)} UTC</td>
                    <td>{event.what}</td>
                    <td>{event.change}</td>
                    <td>{event.why}</td>
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

function Stat({ label, value, detail, testId, tone, raw }: { label: string; value: string; detail?: string; testId: string; tone?: "bad"; raw?: number }) {
  return (
    <div className="card stat" data-testid={testId} data-value={raw}>
      <div className="stat-label">{label}</div>
      <div className={`stat-value${tone ? ` text-${tone}` : ""}`}>{value}</div>
      {detail && <div className="stat-detail">{detail}</div>}
    </div>
  );
}
