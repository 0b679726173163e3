/**
 * One value per process. server.ts and Next's bundle each load their own copy of every module, so a
 * module-level variable would exist twice: the fast path and the route handlers must share one cache,
 * one pool, one recorder. The value lives on globalThis under a registered symbol instead.
 */
export function processSingleton<T>(name: string, create: () => T): T {
  const registry = globalThis as unknown as Record<symbol, T>;
  const key = Symbol.for(`gatehouse.${name}`);
  if (!(key in registry)) registry[key] = create();
  return registry[key];
}
