/**
 * Runs in password.ts's pool of worker threads, which piscina has reniced to 19. Plain JavaScript, so
 * that server.ts (under tsx) and Next's bundle load the same file as it is. The synchronous calls are
 * the point: they hash on this niced thread, where node:crypto's asynchronous scrypt would hand the work
 * to libuv's thread pool, shared with the whole process and running at its priority.
 */
import { scryptSync } from "node:crypto";
import bcrypt from "bcryptjs";

/** @param {{ password: string, salt: Uint8Array, keyLength: number, parameters: import("node:crypto").ScryptOptions }} task */
export function scrypt({ password, salt, keyLength, parameters }) {
  return scryptSync(password, salt, keyLength, parameters);
}

/** @param {{ password: string, stored: string }} task */
export function bcryptCompare({ password, stored }) {
  return bcrypt.compareSync(password, stored);
}
