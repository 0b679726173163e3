import type { Metadata } from "next";
import Link from "next/link";
import "@/app/components/alerts.css";
import { TopBar } from "@/app/components/top-bar";
import { MarkAllReadButton } from "@/app/dashboard/alerts/mark-read-button";
import { listNotifications } from "@/lib/alerts/notifications";
import { requirePageUser } from "@/lib/auth/current-user";

export const metadata: Metadata = { title: "Alerts" };
export const dynamic = "force-dynamic";

const webhookLabels: Record<string, string> = { pending: "webhook pending", delivered: "webhook delivered", failed: "webhook failed" };

export default async function AlertsPage() {
  const user = await requirePageUser("/dashboard/alerts");
  const alerts = await listNotifications(user.id);
  const unread = alerts.filter((alert) => !alert.read).length;
  return (
    <>
      <TopBar email={user.email} />
      <main className="page">
        <p>
          <Link href="/dashboard">← All deployments</Link>
        </p>
        <div className="page-header">
          <div>
            <h1>Alerts</h1>
            <p>Each rule notifies once when it starts firing and once when it resolves.</p>
          </div>
          {unread > 0 && <MarkAllReadButton />}
        </div>
        <section className="card">
          {alerts.length === 0 ? (
            <div className="empty">
              <h2>No alerts yet</h2>
              <p>Add alert rules on a deployment&apos;s page. When one fires or resolves, it appears here.</p>
            </div>
          ) : (
            <ul className="notifications" data-testid="notifications">
              {alerts.map((alert) => (
                <li key={alert.id} className={`notification${alert.read ? "" : " notification-unread"}`} data-state={alert.state} data-read={alert.read}>
                  <span className={`badge badge-alert-${alert.state}`}>{alert.state === "firing" ? "firing" : "resolved"}</span>
                  <div className="notification-body">
                    <div className="notification-message">{alert.message}</div>
                    <div className="notification-meta">
                      <span className="mono">{alert.at.replace("T", " ").slice(0, 19)} UTC</span>
                      <Link href={`/dashboard/deployments/${alert.deploymentId}`}>{alert.deploymentName}</Link>
                      {alert.webhookStatus && (
                        <span title={alert.webhookLastError ?? undefined}>
                          {webhookLabels[alert.webhookStatus] ?? alert.webhookStatus}
                          {alert.webhookAttempts > 1 ? ` after ${alert.webhookAttempts} attempts` : ""}
                        </span>
                      )}
                    </div>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
      </main>
    </>
  );
}
