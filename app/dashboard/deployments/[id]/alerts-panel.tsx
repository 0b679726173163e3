import "@/app/components/alerts.css";
import { AlertRuleForm, AlertRuleRow } from "@/app/dashboard/deployments/[id]/alert-rule-controls";
import { alertKindLabels, conditionText, thresholdUnits } from "@/lib/alerts/labels";
import { listAlertRules } from "@/lib/alerts/rules";

function lastValue(kind: keyof typeof thresholdUnits, value: number | null): string {
  if (value === null) return "no traffic";
  const unit = thresholdUnits[kind];
  return unit ? `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}` : value >= 1 ? "yes" : "no";
}

/** The deployment's alert rules with their current state, each editable, and the form to add one. */
export async function AlertsPanel({ userId, deploymentId }: { userId: string; deploymentId: string }) {
  const rules = await listAlertRules(userId, deploymentId);
  return (
    <section className="card section" data-testid="alerts-panel">
      <h2>Alerts</h2>
      {rules.length === 0 ? (
        <p className="muted">No alert rules yet. Add one below to be notified here, and optionally by webhook, when this deployment misbehaves.</p>
      ) : (
        <table className="table alert-rules" data-testid="alert-rules">
          <thead>
            <tr>
              <th>Rule</th>
              <th>State</th>
              <th>Last value</th>
              <th>Webhook</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {rules.map((rule) => (
              <AlertRuleRow
                key={rule.id}
                deploymentId={deploymentId}
                rule={{ id: rule.id, kind: rule.kind, threshold: rule.threshold, windowMinutes: rule.windowMinutes, webhookUrl: rule.webhookUrl }}
              >
                <td>
                  <strong>{alertKindLabels[rule.kind]}</strong> <span className="muted">{conditionText(rule.kind, rule.threshold, rule.windowMinutes)}</span>
                </td>
                <td>
                  <span className={`badge badge-alert-${rule.state}`} data-state={rule.state}>
                    {rule.evaluatedAt ? rule.state : "pending"}
                  </span>
                </td>
                <td data-label="Last value">{rule.evaluatedAt ? lastValue(rule.kind, rule.lastValue) : "—"}</td>
                <td className="alert-webhook" data-label="Webhook">
                  {rule.webhookUrl ? <span className="mono">{new URL(rule.webhookUrl).host}</span> : <span className="muted">in-app only</span>}
                </td>
              </AlertRuleRow>
            ))}
          </tbody>
        </table>
      )}
      <AlertRuleForm deploymentId={deploymentId} />
    </section>
  );
}
