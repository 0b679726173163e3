import Link from "next/link";
import { unreadCount } from "@/lib/alerts/notifications";
import { currentUser } from "@/lib/auth/current-user";

/** The top bar's link to the notifications, with how many are unread. */
export async function AlertsBadge() {
  const user = await currentUser();
  if (!user) return null;
  const unread = await unreadCount(user.id);
  return (
    <Link className="alerts-link" href="/dashboard/alerts" aria-label={unread ? `Alerts, ${unread} unread` : "Alerts"}>
      Alerts
      {unread > 0 && (
        <span className="alerts-count" data-testid="unread-count">
          {unread > 99 ? "99+" : unread}
        </span>
      )}
    </Link>
  );
}
