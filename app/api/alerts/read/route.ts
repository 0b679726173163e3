import { markNotificationsRead } from "@/lib/alerts/notifications";
import { requireApiUser } from "@/lib/auth/current-user";
import { readJson, withProblems } from "@/lib/http/next-responses";

/** Body `{}` marks every notification read; `{ "ids": [...] }` only those. */
export const POST = withProblems(async (request: Request) => {
  const userId = await requireApiUser();
  const body = request.headers.get("content-length") === "0" ? {} : await readJson(request);
  return Response.json({ marked: await markNotificationsRead(userId, body) });
});
