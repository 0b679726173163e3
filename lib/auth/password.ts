import { randomBytes, type ScryptOptions, timingSafeEqual } from "node:crypto";
import { availableParallelism } from "node:os";
import path from "node:path";
import { Piscina } from "piscina";
import { processSingleton } from "@/lib/runtime/process-singleton";

/**
 * Passwords are hashed with scrypt (RFC 7914) on a small pool of worker threads at the lowest CPU
 * priority (nice 19): a hash takes a core while it runs, and on a machine that also serves the gateway
 * the scheduler then gives the event loop the CPU whenever it wants it, hashing only what is left
 * (bench/RESULTS.md, "Sign-in flood"). bcryptjs hashes are only verified, there too: they were stored
 * before, and are replaced at their owner's next sign-in. N = 2^15, r = 8 (32 MiB, about 80 ms on an
 * idle core) is below OWASP's suggested N = 2^17: under load a hash waits for idle CPU, and a sign-in
 * with it.
 */
const parameters = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } satisfies ScryptOptions;
const keyLength = 32;
const prefix = "scrypt";

/**
 * Niced threads take only idle CPU, so hashing may have every core: one short of all, as when hashes ran
 * at the event loop's priority, only slows sign-ins when the machine is idle. The file is found from the
 * project root (as migrations are) because Next's bundle moves this module; piscina is left unbundled in
 * next.config.js.
 */
const pool = processSingleton(
  "password-hashing",
  () =>
    new Piscina({
      filename: path.join(process.cwd(), "lib", "auth", "hash-worker.mjs"),
      minThreads: availableParallelism(),
      maxThreads: availableParallelism(),
      niceIncrement: 19,
    }),
);

/** How long a hash takes here, smoothed: what an answer that skips hashing waits instead, so it takes as long. */
let typicalMs = 80;

async function derive(password: string, salt: Buffer, cost: ScryptOptions = parameters): Promise<Buffer> {
  const started = performance.now();
  const key: Uint8Array = await pool().run({ password, salt, keyLength, parameters: cost }, { name: "scrypt" });
  typicalMs = typicalMs * 0.8 + (performance.now() - started) * 0.2;
  return Buffer.from(key);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt);
  return `${prefix}$${parameters.N}$${parameters.r}$${parameters.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export interface Verdict {
  ok: boolean;
  /** The stored hash is of an older kind or cost: store a new one now that the password is known. */
  stale: boolean;
}

export async function verifyPassword(password: string, stored: string): Promise<Verdict> {
  const [kind, n, r, p, salt, key] = stored.split("$");
  if (kind !== prefix) return { ok: await pool().run({ password, stored }, { name: "bcryptCompare" }), stale: true };
  const cost = { ...parameters, N: Number(n), r: Number(r), p: Number(p) };
  const expected = Buffer.from(key ?? "", "base64url");
  // A hash is checked at the cost it was made with, so that changing the parameters signs no one out.
  // A damaged row (a cost scrypt refuses) is a wrong password, not a failed sign-in.
  const actual = await derive(password, Buffer.from(salt ?? "", "base64url"), cost).catch(() => null);
  const ok = actual !== null && expected.length === actual.length && timingSafeEqual(expected, actual);
  return { ok, stale: cost.N !== parameters.N || cost.r !== parameters.r || cost.p !== parameters.p };
}

/** Spends a hash's time on an unknown account, so that a wrong email takes as long as a wrong password. */
export async function verifyNothing(password: string): Promise<void> {
  await derive(password, Buffer.alloc(16));
}

/** Waits as long as a hash takes, without hashing: for answers that must not be told apart from one that hashed. */
export function waitLikeAHash(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, typicalMs));
}
