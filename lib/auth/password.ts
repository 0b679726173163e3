import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";
import { availableParallelism } from "node:os";
import bcrypt from "bcryptjs";

/**
 * Passwords are hashed with scrypt (RFC 7914) through node:crypto, which runs it on libuv's thread pool:
 * the event loop that also serves the gateway never waits for a hash. bcryptjs, which hashed in
 * JavaScript on the main thread (about 135 ms each), is kept only to verify hashes stored before, which
 * are replaced at their owner's next sign-in. N = 2^15, r = 8 (32 MiB, about 80 ms here) is below
 * OWASP's suggested N = 2^17: a hash takes a core wherever it runs, and this process also serves the gateway.
 */
const parameters = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } satisfies ScryptOptions;
const keyLength = 32;
const prefix = "scrypt";

/**
 * Hashes run one core short of all of them at once, the rest queued: on the thread pool a hash still
 * takes a core, and the event loop must keep one (bench/RESULTS.md, "Sign-in flood").
 */
const concurrentHashes = Math.max(1, availableParallelism() - 1);
let hashing = 0;
const waiting: (() => void)[] = [];

async function derive(password: string, salt: Buffer): Promise<Buffer> {
  if (hashing >= concurrentHashes) await new Promise<void>((resolve) => waiting.push(resolve));
  hashing++;
  try {
    return await new Promise((resolve, reject) => scrypt(password, salt, keyLength, parameters, (error, key) => (error ? reject(error) : resolve(key))));
  } finally {
    hashing--;
    waiting.shift()?.();
  }
}

/** How long a hash takes here, smoothed: what an answer that skips hashing waits instead, so it takes as long. */
let typicalMs = 80;

async function timed(password: string, salt: Buffer): Promise<Buffer> {
  const started = performance.now();
  const key = await derive(password, salt);
  typicalMs = typicalMs * 0.8 + (performance.now() - started) * 0.2;
  return key;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await timed(password, salt);
  return `${prefix}$${parameters.N}$${parameters.r}$${parameters.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export interface Verdict {
  ok: boolean;
  /** The stored hash is of an older kind or cost: store a new one now that the password is known. */
  stale: boolean;
}

export async function verifyPassword(password: string, stored: string): Promise<Verdict> {
  const [kind, n, r, p, salt, key] = stored.split("$");
  if (kind !== prefix) return { ok: await bcrypt.compare(password, stored), stale: true };
  const expected = Buffer.from(key ?? "", "base64url");
  const actual = await timed(password, Buffer.from(salt ?? "", "base64url"));
  const ok = expected.length === actual.length && timingSafeEqual(expected, actual);
  return { ok, stale: Number(n) !== parameters.N || Number(r) !== parameters.r || Number(p) !== parameters.p };
}

/** Spends a hash's time on an unknown account, so that a wrong email takes as long as a wrong password. */
export async function verifyNothing(password: string): Promise<void> {
  await timed(password, Buffer.alloc(16));
}

/** Waits as long as a hash takes, without hashing: for answers that must not be told apart from one that hashed. */
export function waitLikeAHash(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, typicalMs));
}
