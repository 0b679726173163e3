import { randomUUID } from "node:crypto";
import type { Redis } from "@upstash/redis";
import type { Config } from "@/lib/config";
import { ApiError } from "@/lib/http/problem";
import { type Awaitable, andThen } from "@/lib/runtime/awaitable";

export type CircuitState = "closed" | "open" | "half-open";

/** The part of a circuit every instance must agree on; failure counting stays local to each instance. */
interface SharedCircuit {
  state: CircuitState;
  /** While open: when the cool-down ends and probing may start (ms since the epoch). */
  openUntil: number;
  cooldownMs: number;
}

const closedCircuit = (cooldownMs: number): SharedCircuit => ({ state: "closed", openUntil: 0, cooldownMs });

/** Where circuits are shared: Redis across instances, or this process alone. */
interface CircuitStore {
  read(id: string): Promise<SharedCircuit | null>;
  write(id: string, circuit: SharedCircuit): Promise<void>;
  clear(id: string): Promise<void>;
  /** True for exactly one caller per cool-down: the instance that runs the half-open probes. */
  claimProbes(id: string, owner: string, ttlMs: number): Promise<boolean>;
}

class MemoryCircuitStore implements CircuitStore {
  private readonly circuits = new Map<string, SharedCircuit>();
  private readonly probes = new Map<string, number>();
  async read(id: string) {
    return this.circuits.get(id) ?? null;
  }
  async write(id: string, circuit: SharedCircuit) {
    this.circuits.set(id, circuit);
  }
  async clear(id: string) {
    this.circuits.delete(id);
    this.probes.delete(id);
  }
  async claimProbes(id: string, _owner: string, ttlMs: number) {
    if ((this.probes.get(id) ?? 0) > Date.now()) return false;
    this.probes.set(id, Date.now() + ttlMs);
    return true;
  }
}

class RedisCircuitStore implements CircuitStore {
  constructor(private readonly redis: Redis) {}
  private key = (id: string) => `gatehouse:breaker:${id}`;
  async read(id: string) {
    return (await this.redis.get<SharedCircuit>(this.key(id))) ?? null;
  }
  async write(id: string, circuit: SharedCircuit) {
    await this.redis.set(this.key(id), circuit, { px: 24 * 3600 * 1000 });
  }
  async clear(id: string) {
    await this.redis.del(this.key(id), `${this.key(id)}:probe`);
  }
  async claimProbes(id: string, owner: string, ttlMs: number) {
    return (await this.redis.set(`${this.key(id)}:probe`, owner, { nx: true, px: ttlMs })) === "OK";
  }
}

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
  private readonly store: CircuitStore;
  private readonly instanceId = randomUUID();

  constructor(
    private readonly settings: BreakerSettings,
    redis: Redis | null,
    private readonly onTransition: (transition: Transition) => void,
  ) {
    this.store = redis ? new RedisCircuitStore(redis) : new MemoryCircuitStore();
  }

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
    throw new ApiError(
      503,
      "circuit-open",
      "Deployment failing",
      `Deployment ${deploymentName} keeps failing, so the gateway is not sending it requests (circuit ${circuit.shared.state}). Retry in ${retryAfter} s.`,
      { "retry-after": String(retryAfter) },
    );
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

  /** The circuit's state as the instances agree on it. */
  async stateOf(deploymentId: string): Promise<CircuitState> {
    return (await this.synced(deploymentId)).shared.state;
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
