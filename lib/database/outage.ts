import { ThrottledLog } from "@/lib/runtime/log-throttle";

/** Socket errors and PostgreSQL's connection-exception and shutdown codes: the database is away, not the query wrong. */
const unavailableCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "57P01", "57P02", "57P03", "53300"]);
const unavailableMessage =
  /Connection terminated|connection (refused|closed|timeout)|terminating connection|Can't reach database|server closed the connection|the database system is (starting up|shutting down)/i;

const outageLog = new ThrottledLog(10_000);

/**
 * Whether an error means the database cannot be reached (through pg or Prisma's adapter, which wraps
 * pg's errors in causes). Logged once per ten seconds, however many requests meet it.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 6; cause = (cause as { cause?: unknown }).cause, depth++) {
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (
      (typeof code === "string" && (unavailableCodes.has(code) || code.startsWith("08"))) ||
      (typeof message === "string" && unavailableMessage.test(message))
    ) {
      outageLog.warn(() => `database unavailable (${typeof message === "string" ? message : String(code)}): serving what is cached, 503 for the rest`);
      return true;
    }
  }
  return false;
}
