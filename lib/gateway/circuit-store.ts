import type { Redis } from "@upstash/redis";
import { sharedRedis } from "@/lib/redis/client";
import { processSingleton } from "@/lib/runtime/process-singleton";

export type CircuitState = "closed" | "open" | "half-open";

/** The part of a circuit every instance must agree on; failure counting stays local to each instance. */
export interface SharedCircuit {
  state: CircuitState;
  /** While open: when the cool-down ends and probing may start (ms since the epoch). */
  openUntil: number;
  cooldownMs: number;
}

export const closedCircuit = (cooldownMs: number): SharedCircuit => ({ state: "closed", openUntil: 0, cooldownMs });

/** Where circuits are shared: Redis across instances, or this process alone. */
export interface CircuitStore {
  read(id: string): Promise<SharedCircuit | null>;
  write(id: string, circuit: SharedCircuit): Promise<void>;
  clear(id: string): Promise<void>;
  /** True for exactly one caller per cool-down: the instance that runs the half-open probes. */
  claimProbes(id: string, owner: string, ttlMs: number): Promise<boolean>;
}

export class MemoryCircuitStore implements CircuitStore {
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

export class RedisCircuitStore implements CircuitStore {
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

/** Where this process keeps circuits: one store shared by the gateway and the pages that show circuit state. */
export const circuitStore = processSingleton<CircuitStore>("circuit-store", () => {
  const redis = sharedRedis();
  return redis ? new RedisCircuitStore(redis) : new MemoryCircuitStore();
});

/** A deployment's circuit as the instances agree on it, for pages: read from the store, never from the gateway. */
export async function circuitState(deploymentId: string): Promise<CircuitState> {
  return (await circuitStore().read(deploymentId))?.state ?? "closed";
}
