/**
 * Runs `task` every `ms` after the previous run ended, so a slow run (database down) never overlaps the
 * next; a failure is logged and the schedule goes on. Returns a stop function that resolves once the run
 * in progress, if any, has finished.
 */
export function repeat(name: string, ms: number, task: () => Promise<unknown>, firstDelayMs = ms): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout;
  const schedule = (delay: number) => {
    timer = setTimeout(() => {
      running = task()
        .then(
          () => undefined,
          (error: unknown) => console.warn(`[gatehouse] ${name} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
        )
        .finally(() => stopped || schedule(ms));
    }, delay);
    // Background jobs never keep a process alive on their own.
    timer.unref();
  };
  schedule(firstDelayMs);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
