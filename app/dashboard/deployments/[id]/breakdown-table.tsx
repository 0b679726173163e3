import { formatCount, formatPercent } from "@/lib/analytics/format";
import type { BreakdownRow } from "@/lib/analytics/queries/deployment-breakdowns";

/** One top-10 table with a share bar per row; errors are the value's 5xx answers. */
export function BreakdownTable({ title, dimension, rows, valueLabel }: { title: string; dimension: string; rows: BreakdownRow[]; valueLabel: string }) {
  return (
    <section className="card breakdown" data-testid={`breakdown-${dimension}`}>
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="muted breakdown-empty">No requests in this range yet.</p>
      ) : (
        <table className="mini-table">
          <thead>
            <tr>
              <th>{valueLabel}</th>
              <th className="numeric">Requests</th>
              <th className="numeric">5xx</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.value} data-value={row.value}>
                <td>
                  <div className="share-cell">
                    <span className="share-bar" style={{ width: `${Math.max(2, row.share * 100)}%` }} aria-hidden />
                    <span className={dimension === "path" ? "mono share-label" : "share-label"} title={row.value}>
                      {row.value}
                    </span>
                  </div>
                </td>
                <td className="numeric" data-requests={row.requests}>
                  {formatCount(row.requests)} <span className="muted share-percent">{formatPercent(row.share)}</span>
                </td>
                <td className={`numeric ${row.errors ? "text-bad" : "muted"}`}>{formatCount(row.errors)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
