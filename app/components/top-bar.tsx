import Link from "next/link";
import { Brand } from "@/app/components/brand";

/** The signed-in pages' header: brand, who is signed in, sign-out. */
export function TopBar({ email }: { email: string | null }) {
  return (
    <header className="topbar">
      <Brand />
      <div className="topbar-user">
        <span>{email}</span>
        <Link className="button button-small" href="/signout">Sign out</Link>
      </div>
    </header>
  );
}
