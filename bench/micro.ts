import { randomUUID } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Redis, type Requester, type UpstashRequest, type UpstashResponse } from "@upstash/redis";
import { encode } from "next-auth/jwt";
import { summarise } from "@/bench/load";
import { SessionTokenVerifier, sessionTokenFromCookies } from "@/lib/auth/session-token";
import { parseConfig } from "@/lib/config";
import type { RoutableDeployment } from "@/lib/deployments/cache";
import { CircuitBreakers } from "@/lib/gateway/breaker";
import { MemoryCircuitStore, RedisCircuitStore } from "@/lib/gateway/circuit-store";
import { parseCookieHeader } from "@/lib/gateway/cookies";
import { RateLimiter } from "@/lib/gateway/rate-limit";
import { TcpRequester } from "@/lib/redis/tcp-requester";
import { type RequestRow, requestRecorder } from "@/lib/request-log/recorder";

/** Counts what the limiter and breakers send through the TCP requester: one command is one round trip. */
class CountingRequester implements Requester {
  readonly commands = new Map<string, number>();

  constructor(private readonly inner: TcpRequester) {}

  request<TResult>(request: UpstashRequest): Promise<UpstashResponse<TResult>> {
    const name = String((request.body as unknown[])[0]).toUpperCase();
    this.commands.set(name, (this.commands.get(name) ?? 0) + 1);
    return this.inner.request<TResult>(request);
  }
}

export interface MicroRow {
  name: string;
  calls: number;
  p50: number;
  p99: number;
  /** Redis commands per call, by command; null when nothing talks to Redis. */
  perCall: Map<string, number> | null;
}

/**
 * The limiter and the breakers alone, in this process, one call after another: what each costs a
 * request before any HTTP. Limits are lifted as in the throughput runs, so every call passes. The
 * session check is timed alongside, for a token the verifier has seen (its cache) and for a new one.
 */
export async function microBenchmarks(redisUrl: string, secret: string, cookie: string): Promise<MicroRow[]> {
  const settings = parseConfig({ NEXTAUTH_SECRET: secret, GATEWAY_RATE_LIMIT_USER: "1000000/1s", GATEWAY_RATE_LIMIT_DEPLOYMENT: "1000000/1s" });
  const deployment: RoutableDeployment = {
    id: `bench-${randomUUID()}`,
    userId: `bench-${randomUUID()}`,
    name: "bench",
    target: new URL("http://127.0.0.1:9"),
    status: "running",
    corsOrigins: new Set(),
    rate: null,
  };
  const tcp = new TcpRequester(redisUrl);
  const counter = new CountingRequester(tcp);
  const redis = new Redis(counter);
  // The limiter lets requests through when Redis fails: a missing Redis would go unnoticed and the figures would time nothing.
  await redis.ping();

  const rows: MicroRow[] = [];
  const measure = async (name: string, calls: number, call: () => unknown, viaRedis: boolean) => {
    // Warm-up: JIT, the limiter's script load (EVALSHA, NOSCRIPT, EVAL), the breaker's first sync.
    for (let i = 0; i < Math.min(1_000, calls); i++) await call();
    counter.commands.clear();
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const start = performance.now();
      await call();
      times.push(performance.now() - start);
    }
    const perCall = viaRedis ? new Map([...counter.commands].map(([command, count]) => [command, count / calls])) : null;
    rows.push({ name, calls, ...summarise(times), perCall });
  };

  try {
    const limiterRedis = new RateLimiter(settings, redis);
    const limiterUnleased = new RateLimiter({ ...settings, GATEWAY_RATE_LIMIT_LEASE: 0 }, redis);
    const limiterMemory = new RateLimiter(settings, null);
    const breakersRedis = new CircuitBreakers(settings, new RedisCircuitStore(redis), () => {});
    const breakersMemory = new CircuitBreakers(settings, new MemoryCircuitStore(), () => {});
    await measure("RateLimiter.check, TCP Redis", 50_000, () => limiterRedis.check(deployment.userId, deployment), true);
    await measure("RateLimiter.check, TCP Redis, no leases", 5_000, () => limiterUnleased.check(deployment.userId, deployment), true);
    await measure("RateLimiter.check, in memory", 50_000, () => limiterMemory.check(deployment.userId, deployment), false);
    const admitAndRecord = (breakers: CircuitBreakers) => async () => breakers.record(await breakers.admit(deployment.id, deployment.name), "success");
    await measure("CircuitBreakers.admit + record, state in Redis", 50_000, admitAndRecord(breakersRedis), true);
    await measure("CircuitBreakers.admit + record, in memory", 50_000, admitAndRecord(breakersMemory), false);
    const sessions = new SessionTokenVerifier(secret);
    const verify = (token: string | undefined) => async () => {
      if (!(await sessions.userId(token))) throw new Error("A bench session token did not verify");
    };
    const cookieToken = sessionTokenFromCookies(parseCookieHeader(cookie));
    await measure("SessionTokenVerifier.userId, token seen before", 50_000, verify(cookieToken), false);
    // Tokens as next-auth issues them, each new to the verifier: every call decrypts its JWE.
    const fresh = await Promise.all(Array.from({ length: 6_000 }, (_, i) => encode({ token: { sub: `bench-${i}` }, secret })));
    await measure("SessionTokenVerifier.userId, new token (JWE decryption)", 5_000, () => verify(fresh.pop())(), false);
  } finally {
    await tcp.close();
  }
  return rows;
}

export interface BatchFigures {
  rows: number;
  batches: number;
  /** From the first row recorded to the batch written, ms. */
  wall: { p50: number; p99: number };
  /** The longest the event loop stood still during each batch, ms: requests in flight waited that long. */
  blocked: { p50: number; max: number };
}

/**
 * The request log's cost, which every gateway request shares: full batches written through the
 * process's own recorder (DATABASE_URL must be the bench's database), as the apps write them.
 */
export async function requestLogBatches(rows: number, batches: number): Promise<BatchFigures> {
  const recorder = requestRecorder();
  const row = (): RequestRow => ({
    at: new Date(),
    requestId: randomUUID(),
    userId: null,
    deploymentId: null,
    method: "GET",
    path: "/bench",
    status: 200,
    outcome: "ok",
    durationMs: 1,
    ttfbMs: 1,
    bytesIn: 0,
    bytesOut: 53,
    country: null,
    clientAddress: "127.0.0.0",
    userAgentFamily: null,
    via: "gateway-path",
    mcpMethod: null,
    mcpName: null,
    mcpError: null,
  });
  const walls: number[] = [];
  const blocks: number[] = [];
  // The first two batches warm up the client and its query compiler.
  for (let i = 0; i < batches + 2; i++) {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const start = performance.now();
    for (let n = 0; n < rows; n++) recorder.record(row());
    await recorder.flush();
    const wall = performance.now() - start;
    delay.disable();
    if (i < 2) continue;
    walls.push(wall);
    blocks.push(delay.max / 1e6);
  }
  if (recorder.depth || recorder.stats.failedWrites) throw new Error("The bench's request rows were not written");
  return { rows, batches, wall: summarise(walls), blocked: { p50: summarise([...blocks]).p50, max: Math.max(...blocks) } };
}
