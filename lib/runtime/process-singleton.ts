/**
 * One value per process, built on first use. server.ts and Next's bundle each load their own copy of
 * every module, so a module-level variable would exist twice: the fast path and the route handlers must
 * share one gateway, one pool, one recorder. The value lives on globalThis under a registered symbol;
 * the getter keeps it too, so the hot path pays for the global lookup once.
 */
export function processSingleton<T>(name: string, create: () => T): () => T {
  const key = Symbol.for(`gatehouse.${name}`);
  let known: { value: T } | undefined;
  return () => {
    if (!known) {
      const registry = globalThis as unknown as Record<symbol, T>;
      if (!(key in registry)) registry[key] = create();
      known = { value: registry[key] };
    }
    return known.value;
  };
}
