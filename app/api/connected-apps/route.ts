import { requireApiUser } from "@/lib/auth/current-user";
import { withProblems } from "@/lib/http/next-responses";
import { connectedApps } from "@/lib/oauth/grants";

export const GET = withProblems(async (_request: Request) => Response.json(await connectedApps(await requireApiUser())));
