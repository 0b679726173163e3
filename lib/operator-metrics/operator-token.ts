import { timingSafeEqual } from "node:crypto";
import { config } from "@/lib/config";

/** Whether a request carries `Authorization: Bearer <METRICS_TOKEN>` (never, when it is unset). */
export function isOperator(request: Request): boolean {
  const token = config().METRICS_TOKEN;
  if (!token) return false;
  const presented = Buffer.from(request.headers.get("authorization")?.replace(/^Bearer\s+/i, "") ?? "");
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
