import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CircuitState } from "@/lib/gateway/circuit-store";
import { limiterHealth } from "@/lib/gateway/rate-limit";
import { requestRecorder } from "@/lib/request-log/recorder";
import { processSingleton } from "@/lib/runtime/process-singleton";

/**
 * Operator metrics in Prometheus format. Labels are deployment-agnostic on purpose (status class,
 * outcome, method): per-user or per-deployment labels would grow without bound.
 */
class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "gatehouse_gateway_requests_total",
    help: "Gateway requests by status class, outcome and method.",
    labelNames: ["status_class", "outcome", "method"] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: "gatehouse_gateway_request_duration_seconds",
    help: "Gateway request duration, from arrival to the end of the answer.",
    labelNames: ["outcome"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly circuits = new Map<string, CircuitState>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "gatehouse_" });
    const circuits = this.circuits;
    new Gauge({
      name: "gatehouse_circuits",
      help: "Deployments' circuits by state, as this instance last saw them.",
      labelNames: ["state"] as const,
      registers: [this.registry],
      collect() {
        const counts: Record<CircuitState, number> = { closed: 0, open: 0, "half-open": 0 };
        for (const state of circuits.values()) counts[state]++;
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    });
    new Gauge({
      name: "gatehouse_rate_limiter_failures",
      help: "Rate-limit checks that failed or missed their deadline (Redis slow or down) since start.",
      registers: [this.registry],
      collect() {
        this.set(limiterHealth.failures);
      },
    });
    new Gauge({
      name: "gatehouse_request_log_queue_depth",
      help: "Request rows waiting to be written to the database.",
      registers: [this.registry],
      collect() {
        this.set(requestRecorder().depth);
      },
    });
    new Gauge({
      name: "gatehouse_request_log_dropped",
      help: "Request rows dropped because the buffer was full while the database was unavailable, since start.",
      registers: [this.registry],
      collect() {
        this.set(requestRecorder().stats.dropped);
      },
    });
  }

  observe(status: number, outcome: string, method: string, seconds: number): void {
    this.requests.inc({ status_class: `${Math.floor(status / 100)}xx`, outcome, method });
    this.duration.observe({ outcome }, seconds);
  }

  circuitChanged(deploymentId: string, state: CircuitState): void {
    if (state === "closed") this.circuits.delete(deploymentId);
    else this.circuits.set(deploymentId, state);
  }
}

/** The process's metrics, shared by the fast path and Next's bundle. */
export const gatewayMetrics = processSingleton("gateway-metrics", () => new GatewayMetrics());
