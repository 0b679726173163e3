import { listNotifications, unreadCount } from "@/lib/alerts/notifications";
import { requireApiUser } from "@/lib/auth/current-user";
import { withProblems } from "@/lib/http/next-responses";

export const GET = withProblems(async (_request: Request) => {
  const userId = await requireApiUser();
  const [alerts, unread] = await Promise.all([listNotifications(userId), unreadCount(userId)]);
  return Response.json({ unread, alerts });
});
