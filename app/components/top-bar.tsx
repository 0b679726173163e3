import "@/app/components/alerts.css";
import Link from "next/link";
import { AlertsBadge } from "@/app/components/alerts-badge";
import { Brand } from "@/app/components/brand";

/** The signed-in pages' header: brand, alerts, who is signed in, sign-out. */
export function TopBar({ email }: { email: string | null }) {
  return (
    <header className="topbar">
      <Brand />
      <div className="topbar-user">
        <Link className="alerts-link" href="/dashboard/tokens">
          API tokens
        </Link>
        <Link className="alerts-link" href="/dashboard/connected-apps">
          Connected apps
        </Link>
        <AlertsBadge />
        <span>{email}</span>
        <Link className="button button-small" href="/signout">
          Sign out
        </Link>
      </div>
    </header>
  );
}
