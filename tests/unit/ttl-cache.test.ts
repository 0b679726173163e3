import assert from "node:assert/strict";
import { test } from "node:test";
import { TtlCache } from "@/lib/runtime/ttl-cache";

/** A load that waits for the test to release it, counting calls. */
function gatedLoad() {
  const calls: string[] = [];
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => (release = resolve));
  return {
    calls,
    release: () => {
      release();
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    load: async (key: string) => {
      calls.push(key);
      const version = calls.length;
      await gate;
      return `${key}@${version}`;
    },
  };
}

test("a hit answers without a promise; concurrent misses share one load", async () => {
  const { calls, release, load } = gatedLoad();
  const cache = new TtlCache({ max: 10, ttlMs: 60_000, load });
  const first = cache.get("a");
  const second = cache.get("a");
  assert.ok(first instanceof Promise);
  release();
  assert.equal(await first, "a@1");
  assert.equal(await second, "a@1");
  assert.equal(cache.get("a"), "a@1");
  assert.deepEqual(calls, ["a"]);
});

test("null answers are cached like any other", async () => {
  let loads = 0;
  const cache = new TtlCache<string | null>({
    max: 10,
    ttlMs: 60_000,
    load: async () => {
      loads++;
      return null;
    },
  });
  assert.equal(await cache.get("unknown"), null);
  assert.equal(cache.get("unknown"), null);
  assert.equal(loads, 1);
});

test("an entry invalidated while it loads is loaded again, so the change is not lost", async () => {
  const { calls, release, load } = gatedLoad();
  const cache = new TtlCache({ max: 10, ttlMs: 60_000, load });
  const loading = cache.get("a");
  cache.delete("a");
  release();
  await new Promise((resolve) => setImmediate(resolve));
  release();
  assert.equal(await loading, "a@2", "the answer loaded after the invalidation");
  assert.equal(cache.get("a"), "a@2");
  assert.deepEqual(calls, ["a", "a"]);
});

test("every caller of a load invalidated meanwhile gets the fresh answer, none an error", async () => {
  const { calls, release, load } = gatedLoad();
  const cache = new TtlCache({ max: 10, ttlMs: 60_000, load });
  const first = cache.get("a");
  const second = cache.get("a");
  cache.delete("a");
  release();
  await new Promise((resolve) => setImmediate(resolve));
  release();
  assert.deepEqual(await Promise.all([first, second]), ["a@2", "a@2"]);
  assert.deepEqual(calls, ["a", "a"]);
});

test("more distinct misses at once than the cache holds all get their answer", async () => {
  const { calls, release, load } = gatedLoad();
  const cache = new TtlCache({ max: 5, ttlMs: 60_000, load });
  const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
  const answers = keys.map((key) => cache.get(key));
  release();
  const settled = await Promise.all(answers);
  assert.equal(settled.length, 50);
  assert.equal(calls.length, 50, "one load each, none restarted");
});

test("an answer whose own life is over (ttlOf of 0 or less) is not kept", async () => {
  let loads = 0;
  const cache = new TtlCache({
    max: 10,
    ttlMs: 60_000,
    ttlOf: () => 0,
    load: async () => {
      loads++;
      return "expired";
    },
  });
  await cache.get("a");
  assert.ok(cache.get("a") instanceof Promise);
  assert.equal(loads, 2);
});

test("a failed load is not cached", async () => {
  let fail = true;
  const cache = new TtlCache({
    max: 10,
    ttlMs: 60_000,
    load: async (key: string) => {
      if (fail) throw new Error("database down");
      return key;
    },
  });
  await assert.rejects(Promise.resolve(cache.get("a")), /database down/);
  fail = false;
  assert.equal(await cache.get("a"), "a");
});

test("entries expire after the TTL, or sooner when ttlOf says so; a TTL of 0 caches nothing; the size is bounded", async () => {
  let loads = 0;
  const counted = async (key: string) => `${key}${++loads}`;
  const short = new TtlCache({ max: 10, ttlMs: 60_000, load: counted, ttlOf: () => 30 });
  assert.equal(await short.get("a"), "a1");
  assert.equal(short.get("a"), "a1");
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(await short.get("a"), "a2");

  const uncached = new TtlCache({ max: 10, ttlMs: 0, load: counted });
  assert.equal(await uncached.get("b"), "b3");
  assert.equal(await uncached.get("b"), "b4");

  const bounded = new TtlCache({ max: 2, ttlMs: 60_000, load: counted });
  for (const key of ["x", "y", "z"]) await bounded.get(key);
  assert.ok(bounded.get("x") instanceof Promise, "the least recently used entry was evicted");
});

test("with staleIfErrorMs a failed load serves the last good answer within that bound, never one invalidated, never an older one", async () => {
  let down = false;
  let version = 0;
  const cache = new TtlCache({
    max: 10,
    ttlMs: 20,
    staleIfErrorMs: 200,
    load: async (key: string) => {
      if (down) throw new Error("database down");
      return `${key}@${++version}`;
    },
  });
  assert.equal(await cache.get("a"), "a@1");
  assert.equal(await cache.get("b"), "b@2");
  down = true;
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.equal(await cache.get("a"), "a@1", "the last good answer while the source is down");
  cache.delete("b");
  await assert.rejects(Promise.resolve(cache.get("b")), /database down/, "an invalidated answer is not served");
  await assert.rejects(Promise.resolve(cache.get("c")), /database down/, "nothing to fall back on");
  await new Promise((resolve) => setTimeout(resolve, 250));
  await assert.rejects(Promise.resolve(cache.get("a")), /database down/, "past the bound the failure shows");
  down = false;
  assert.equal(await cache.get("a"), "a@3");
});
