import { randomUUID } from "node:crypto";
import type { Config } from "@/lib/config";
import { type CircuitState, type CircuitStore, closedCircuit, type SharedCircuit } from "@/lib/gateway/circuit-store";
import { circuitOpen } from "@/lib/http/problems";
import { type Awaitable, andThen } from "@/lib/runtime/awaitable";

export type BreakerSettings = Pick<
  Config,
  | "GATEWAY_BREAKER_WINDOW_MS"
  | "GATEWAY_BREAKER_MIN_REQUESTS"
  | "GATEWAY_BREAKER_FAILURE_RATIO"
  | "GATEWAY_BREAKER_CONSECUTIVE_FAILURES"
  | "GATEWAY_BREAKER_COOLDOWN_MS"
  | "GATEWAY_BREAKER_MAX_COOLDOWN_MS"
  | "GATEWAY_BREAKER_HALF_OPEN_PROBES"
  | "GATEWAY_BREAKER_SYNC_MS"
>;

export type Transition = { deploymentId: string; from: CircuitState; to: CircuitState; reason: string };

const bucketMs = 1_000;

/** This instance's view of one deployment's circuit. */
class Circuit {
  shared: SharedCircuit;
  syncedAt = 0;
  buckets: { start: number; total: number; failures: number }[] = [];
  consecutiveFailures = 0;
  probesInFlight = 0;
  ownsProbes = false;

  constructor(cooldownMs: number) {
    this.shared = closedCircuit(cooldownMs);
  }

  count(failed: boolean, windowMs: number): { total: number; failures: number } {
    const now = Date.now();
    const start = now - (now % bucketMs);
    let bucket = this.buckets.at(-1);
    if (!bucket || bucket.start !== start) {
      bucket = { start, total: 0, failures: 0 };
      this.buckets.push(bucket);
    }
    bucket.total++;
    if (failed) bucket.failures++;
    this.buckets = this.buckets.filter((b) => b.start > now - windowMs);
    return this.buckets.reduce((sum, b) => ({ total: sum.total + b.total, failures: sum.failures + b.failures }), { total: 0, failures: 0 });
  }

  reset(): void {
    this.buckets = [];
    this.consecutiveFailures = 0;
    this.probesInFlight = 0;
    this.ownsProbes = false;
  }
}

export interface BreakerTicket {
  deploymentId: string;
  probe: boolean;
}

/**
 * One circuit breaker per deployment (closed → open → half-open → closed), as Envoy's outlier
 * detection and Traefik's breaker do it: open on a failure ratio over a rolling window or on
 * consecutive failures, refuse at once while open, then let a bounded number of probes decide.
 * With Redis the open state and the right to probe are shared, so every instance refuses within
 * GATEWAY_BREAKER_SYNC_MS and exactly one instance probes.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  private readonly instanceId = randomUUID();

  constructor(
    private readonly settings: BreakerSettings,
    private readonly store: CircuitStore,
    private readonly onTransition: (transition: Transition) => void,
  ) {}

  /**
   * Lets a request through, or throws a 503 while the deployment's circuit is open. A closed circuit
   * synced lately admits at once, without a promise: this runs on every gateway request.
   */
  admit(deploymentId: string, deploymentName: string): Awaitable<BreakerTicket> {
    return andThen(this.synced(deploymentId), (circuit) =>
      circuit.shared.state === "closed" ? { deploymentId, probe: false } : this.admitWhileFailing(circuit, deploymentId, deploymentName),
    );
  }

  private async admitWhileFailing(circuit: Circuit, deploymentId: string, deploymentName: string): Promise<BreakerTicket> {
    const { state, openUntil, cooldownMs } = circuit.shared;
    if (state === "open" && Date.now() >= openUntil && (await this.claim(deploymentId, cooldownMs))) {
      circuit.ownsProbes = true;
      await this.move(deploymentId, circuit, { state: "half-open", openUntil: 0, cooldownMs }, "cool-down over: probing");
    }
    if (circuit.shared.state === "half-open" && circuit.ownsProbes && circuit.probesInFlight < this.settings.GATEWAY_BREAKER_HALF_OPEN_PROBES) {
      circuit.probesInFlight++;
      return { deploymentId, probe: true };
    }
    const retryAfter = Math.max(1, Math.ceil((Math.max(openUntil, Date.now() + 1_000) - Date.now()) / 1000));
    throw circuitOpen(deploymentName, circuit.shared.state, retryAfter);
  }

  /** Records how an admitted request ended. `undefined` outcomes (client aborts, our own faults) count for nothing. */
  record(ticket: BreakerTicket, outcome: "success" | "failure" | undefined, reason = ""): void {
    const circuit = this.circuits.get(ticket.deploymentId);
    if (!circuit) return;
    if (ticket.probe) circuit.probesInFlight = Math.max(0, circuit.probesInFlight - 1);
    if (!outcome) return;
    const { cooldownMs } = circuit.shared;
    const base = this.settings.GATEWAY_BREAKER_COOLDOWN_MS;

    if (ticket.probe && circuit.shared.state === "half-open") {
      if (outcome === "success") {
        circuit.reset();
        void this.move(ticket.deploymentId, circuit, closedCircuit(base), "probe succeeded");
      } else {
        const next = Math.min(cooldownMs * 2, this.settings.GATEWAY_BREAKER_MAX_COOLDOWN_MS);
        circuit.reset();
        void this.move(ticket.deploymentId, circuit, { state: "open", openUntil: Date.now() + next, cooldownMs: next }, `probe failed: ${reason}`);
      }
      return;
    }
    if (circuit.shared.state !== "closed") return;

    circuit.consecutiveFailures = outcome === "failure" ? circuit.consecutiveFailures + 1 : 0;
    const { total, failures } = circuit.count(outcome === "failure", this.settings.GATEWAY_BREAKER_WINDOW_MS);
    const ratioTripped = total >= this.settings.GATEWAY_BREAKER_MIN_REQUESTS && failures / total >= this.settings.GATEWAY_BREAKER_FAILURE_RATIO;
    const streakTripped = circuit.consecutiveFailures >= this.settings.GATEWAY_BREAKER_CONSECUTIVE_FAILURES;
    if (!ratioTripped && !streakTripped) return;
    const why = streakTripped
      ? `${circuit.consecutiveFailures} consecutive failures (last: ${reason})`
      : `${failures} of ${total} requests failed within ${this.settings.GATEWAY_BREAKER_WINDOW_MS / 1000} s (last: ${reason})`;
    circuit.reset();
    void this.move(ticket.deploymentId, circuit, { state: "open", openUntil: Date.now() + base, cooldownMs: base }, why);
  }

  private synced(deploymentId: string): Awaitable<Circuit> {
    let circuit = this.circuits.get(deploymentId);
    if (!circuit) {
      circuit = new Circuit(this.settings.GATEWAY_BREAKER_COOLDOWN_MS);
      this.circuits.set(deploymentId, circuit);
    }
    const now = Date.now();
    if (now - circuit.syncedAt < this.settings.GATEWAY_BREAKER_SYNC_MS) return circuit;
    circuit.syncedAt = now;
    return this.sync(deploymentId, circuit);
  }

  private async sync(deploymentId: string, circuit: Circuit): Promise<Circuit> {
    try {
      const shared = (await this.store.read(deploymentId)) ?? closedCircuit(this.settings.GATEWAY_BREAKER_COOLDOWN_MS);
      if (shared.state !== circuit.shared.state) {
        if (shared.state !== "half-open") circuit.ownsProbes = false;
        if (shared.state === "closed") circuit.reset();
      }
      circuit.shared = shared;
    } catch {
      // The shared store is unreachable: this instance goes on with its own view.
    }
    return circuit;
  }

  private async claim(deploymentId: string, ttlMs: number): Promise<boolean> {
    try {
      return await this.store.claimProbes(deploymentId, this.instanceId, ttlMs);
    } catch {
      return true;
    }
  }

  private async move(deploymentId: string, circuit: Circuit, next: SharedCircuit, reason: string): Promise<void> {
    const from = circuit.shared.state;
    circuit.shared = next;
    circuit.syncedAt = Date.now();
    this.onTransition({ deploymentId, from, to: next.state, reason });
    try {
      if (next.state === "closed") await this.store.clear(deploymentId);
      else await this.store.write(deploymentId, next);
    } catch (error) {
      console.warn(`[gatehouse] could not share the circuit state of ${deploymentId}: ${(error as Error).message}`);
    }
  }
}
