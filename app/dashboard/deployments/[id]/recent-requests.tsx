import Link from "next/link";
import { type DashboardParams, dashboardHref, filterMethods } from "@/lib/analytics/dashboard-params";
import { formatBytes, formatMs, formatTimestamp } from "@/lib/analytics/format";
import type { RecentRequestsPage } from "@/lib/analytics/queries/recent-requests";
import { timeRanges } from "@/lib/analytics/time-ranges";

const statusClass = (status: number) => `status-pill status-${Math.min(5, Math.max(1, Math.floor(status / 100)))}xx`;

/**
 * The raw log, newest first. Filtering is a plain GET form, so it works before (and without) any
 * JavaScript, and every filtered view has its own URL.
 */
export function RecentRequests({
  base,
  params,
  page,
  retentionDays,
}: {
  base: string;
  params: DashboardParams;
  page: RecentRequestsPage;
  retentionDays: number;
}) {
  const { filters } = params;
  const filtered = Boolean(filters.status || filters.pathPrefix || filters.method);
  return (
    <section className="card section" data-testid="recent-requests">
      <div className="section-header">
        <h2>Recent requests</h2>
        {/* biome-ignore lint/a11y/useSemanticElements: the form itself is the search landmark; a <search> wrapper would add a second element for the same role */}
        <form className="filters" method="get" action={base} role="search" aria-label="Filter requests">
          {params.range !== "24h" && <input type="hidden" name="range" value={params.range} />}
          <input name="status" defaultValue={filters.status ?? ""} placeholder="Status: 404, 5xx" aria-label="Status code or class" size={12} />
          <input name="path" defaultValue={filters.pathPrefix ?? ""} placeholder="Path starts with /" aria-label="Path prefix" />
          <select name="method" defaultValue={filters.method ?? ""} aria-label="Method">
            <option value="">Any method</option>
            {filterMethods.map((method) => (
              <option key={method} value={method}>
                {method}
              </option>
            ))}
          </select>
          <button className="button button-small button-primary" type="submit">
            Filter
          </button>
          {filtered && (
            <Link className="button button-small" href={dashboardHref(base, params, { filters: {} })}>
              Clear
            </Link>
          )}
        </form>
      </div>
      {page.rows.length === 0 ? (
        <div className="empty empty-compact">
          <h2>{filtered ? "No requests match these filters" : "No requests in this range yet"}</h2>
          <p>{filtered ? "Try a wider time range or clear the filters." : "Requests to the deployment appear here within a couple of seconds."}</p>
        </div>
      ) : (
        <div className="table-scroll">
          <table className="data-table">
            <thead>
              <tr>
                <th>Time (UTC)</th>
                <th>Method</th>
                <th>Path</th>
                <th>Status</th>
                <th className="numeric">Duration</th>
                <th className="numeric">Out</th>
                <th>Country</th>
                <th>Agent</th>
                <th>Via</th>
                <th>MCP call</th>
              </tr>
            </thead>
            <tbody>
              {page.rows.map((row) => (
                <tr key={row.id} data-request-id={row.requestId}>
                  <td className="cell-time mono nowrap">{formatTimestamp(row.at)}</td>
                  <td className="cell-method mono">{row.method}</td>
                  <td className="cell-path mono" title={row.path}>
                    {row.path}
                  </td>
                  <td className="cell-status">
                    <span className={statusClass(row.status)} title={row.outcome}>
                      {row.status}
                    </span>
                  </td>
                  <td className="cell-duration numeric nowrap">{formatMs(row.durationMs)}</td>
                  <td className="cell-out numeric nowrap">{formatBytes(row.bytesOut)}</td>
                  <td className="cell-country">{row.country ?? <span className="muted">—</span>}</td>
                  <td className="cell-agent">{row.userAgentFamily ?? <span className="muted">—</span>}</td>
                  <td className="cell-via nowrap" title={row.via === "app-origin" ? "On the deployment's own origin" : "Through the hub's gateway path"}>
                    {row.via === "app-origin" ? "App origin" : "Gateway path"}
                  </td>
                  <td className={`cell-mcp mono${row.mcpError ? " text-bad" : ""}`} title={row.mcpError ? "The call failed" : undefined}>
                    {row.mcpMethod ? `${row.mcpMethod}${row.mcpName ? ` ${row.mcpName}` : ""}` : <span className="muted">—</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {timeRanges[params.range].spanMs > retentionDays * 86_400_000 && (
        <p className="muted footnote-inline">Individual requests are kept for {retentionDays} days; the charts above cover the whole range.</p>
      )}
      {(page.newer || page.older) && (
        <nav className="pager" aria-label="Pages of requests">
          {page.newer ? (
            <Link className="button button-small" href={dashboardHref(base, params, { after: page.newer })}>
              ← Newer
            </Link>
          ) : (
            <span />
          )}
          {page.newer && (
            <Link className="button button-small" href={dashboardHref(base, params, {})}>
              Newest
            </Link>
          )}
          {page.older && (
            <Link className="button button-small" href={dashboardHref(base, params, { before: page.older })}>
              Older →
            </Link>
          )}
        </nav>
      )}
    </section>
  );
}
