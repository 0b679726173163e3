import { formatCount, formatMs, formatPercent } from "@/lib/analytics/format";
import type { McpCallStats, McpPanel as McpPanelData } from "@/lib/analytics/queries/mcp-calls";

const nameLabel: Record<string, string> = { "tools/call": "Tool", "prompts/get": "Prompt", "resources/read": "Resource" };

function CallsTable({ rows, first, testId }: { rows: McpCallStats[]; first: "method" | "name"; testId: string }) {
  return (
    <table className="mini-table mcp-table" data-testid={testId}>
      <thead>
        <tr>
          <th>{first === "method" ? "Method" : "Tool, prompt or resource"}</th>
          <th className="numeric">Calls</th>
          <th className="numeric">Errors</th>
          <th className="numeric">p95</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.method} ${row.name ?? ""}`} data-value={first === "method" ? row.method : row.name}>
            <td className="mono">
              {first === "method" ? (
                row.method
              ) : (
                <>
                  {row.name} <span className="muted">{nameLabel[row.method] ?? row.method}</span>
                </>
              )}
            </td>
            <td className="numeric" data-calls={row.calls}>
              {formatCount(row.calls)}
            </td>
            <td className={`numeric ${row.errorRate ? "text-bad" : "muted"}`}>{formatPercent(row.errorRate)}</td>
            <td className="numeric nowrap">{row.p95Ms === null ? "—" : formatMs(row.p95Ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** MCP calls by JSON-RPC method and by tool, with error rate and p95 latency; shown when the deployment had MCP traffic. */
export function McpPanel({ data }: { data: McpPanelData }) {
  return (
    <section className="card section" data-testid="mcp-panel">
      <h2>MCP calls</h2>
      <p className="muted">
        Calls counted by JSON-RPC method and by what they name. A call fails when the server answers with a JSON-RPC error, the tool reports an error, or the
        request fails (5xx). Counted per clock hour.
      </p>
      <div className="breakdown-grid">
        <div className="breakdown">
          <h3>By method</h3>
          <CallsTable rows={data.byMethod} first="method" testId="mcp-by-method" />
        </div>
        <div className="breakdown">
          <h3>By tool</h3>
          {data.byName.length ? (
            <CallsTable rows={data.byName} first="name" testId="mcp-by-tool" />
          ) : (
            <p className="muted breakdown-empty">No tool calls in this range.</p>
          )}
        </div>
      </div>
    </section>
  );
}
