import type { AlertKind } from "@/lib/generated/prisma/enums.ts";

/** How the pages name each kind of rule; free of server imports so client components can use it. */
export const alertKindLabels: Record<AlertKind, string> = {
  error_rate: "Error rate",
  latency_p95: "p95 latency",
  rate_limited: "Rate-limited requests",
  circuit_open: "Circuit opened",
  not_running: "Not running",
};

/** The unit a kind's threshold is in, or null for kinds without one. */
export const thresholdUnits: Record<AlertKind, string | null> = {
  error_rate: "%",
  latency_p95: "ms",
  rate_limited: "requests",
  circuit_open: null,
  not_running: null,
};

/** "above 5 % over 10 min", or the condition itself for kinds without a threshold. */
export function conditionText(kind: AlertKind, threshold: number | null, windowMinutes: number): string {
  if (kind === "circuit_open") return "while the circuit breaker is open";
  if (kind === "not_running") return "while the deployment is stopped or failed";
  return `above ${threshold} ${thresholdUnits[kind]} over ${windowMinutes} min`;
}
