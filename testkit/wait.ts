import assert from "node:assert/strict";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Checks `check` every `intervalMs` until it holds or `timeoutMs` has passed, and says which: for waits
 * whose outcome the caller asserts itself. The first check is immediate; nothing sleeps past the condition.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, { timeoutMs, intervalMs }: { timeoutMs: number; intervalMs: number }): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(intervalMs)) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
  }
}

/** Waits for `check` to hold, and fails the test naming `what` if it does not within `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, intervalMs = 150): Promise<void> {
  if (!(await waitFor(check, { timeoutMs, intervalMs }))) assert.fail(`${what}: not reached within ${timeoutMs} ms`);
}

/** Waits until the start of a fixed window of `seconds` (as the limiters align them), so a test's burst fits in one. */
export async function atWindowStart(seconds: number): Promise<void> {
  const ms = seconds * 1000;
  await sleep(ms - (Date.now() % ms) + 30);
}

/** Waits for the next window of `seconds` only when the current one has less than `needMs` left. */
export async function clearOfWindowEnd(seconds: number, needMs: number): Promise<void> {
  const ms = seconds * 1000;
  const left = ms - (Date.now() % ms);
  if (left < needMs) await sleep(left + 30);
}
