import { startHandoff } from "@/lib/app-origins/start-handoff";

export const dynamic = "force-dynamic";

export const GET = startHandoff;
