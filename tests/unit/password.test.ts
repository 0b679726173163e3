import assert from "node:assert/strict";
import { scryptSync } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import bcrypt from "bcryptjs";
import { hashPassword, verifyNothing, verifyPassword } from "@/lib/auth/password";

test("a hash verifies its own password and no other, and is current", async () => {
  const stored = await hashPassword("correct horse battery");
  assert.match(stored, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  assert.deepEqual(await verifyPassword("correct horse battery", stored), { ok: true, stale: false });
  assert.deepEqual(await verifyPassword("a wrong password", stored), { ok: false, stale: false });
  assert.notEqual(await hashPassword("correct horse battery"), stored, "each hash has its own salt");
});

test("a scrypt hash of another cost, and a bcrypt hash, verify and are stale", async () => {
  const salt = Buffer.from("sixteen byte salt").subarray(0, 16);
  const key = scryptSync("correct horse battery", salt, 32, { N: 2 ** 14, r: 8, p: 1 });
  const cheaper = `scrypt$16384$8$1$${salt.toString("base64url")}$${key.toString("base64url")}`;
  assert.deepEqual(await verifyPassword("correct horse battery", cheaper), { ok: true, stale: true });
  const old = bcrypt.hashSync("correct horse battery", 4);
  assert.deepEqual(await verifyPassword("correct horse battery", old), { ok: true, stale: true });
  assert.deepEqual(await verifyPassword("a wrong password", old), { ok: false, stale: true });
});

test("a damaged stored hash is a wrong password, not an error", async () => {
  for (const damaged of ["scrypt$3$8$1$c2FsdA$a2V5", "scrypt$x$y$z$$", "scrypt"]) {
    assert.equal((await verifyPassword("correct horse battery", damaged)).ok, false, damaged);
  }
});

/** Each thread of this process: its CPU time so far (clock ticks) and its nice value, from /proc. */
function threads(): Map<string, { cpu: number; nice: number }> {
  return new Map(
    readdirSync("/proc/self/task").map((tid) => {
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
      return [tid, { cpu: Number(fields[11]) + Number(fields[12]), nice: Number(fields[16]) }];
    }),
  );
}

test("hashes run on a thread at nice 19; the event loop's keeps its priority", { skip: process.platform !== "linux" }, async () => {
  await verifyNothing("starts the pool");
  const before = threads();
  for (let hash = 0; hash < 4; hash++) await verifyNothing("x");
  const after = threads();
  const [busiest] = [...after].sort(([a, x], [b, y]) => y.cpu - (before.get(b)?.cpu ?? 0) - (x.cpu - (before.get(a)?.cpu ?? 0)));
  assert.equal(busiest[1].nice, 19, `the thread that hashed, ${busiest[0]}`);
  assert.equal(after.get(String(process.pid))?.nice, 0);
});
