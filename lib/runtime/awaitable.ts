/**
 * A value now, or a promise of it. Hot-path stages return one of these so that an answer already in
 * memory costs no promise. Promises cost more here than in a bare Node server: once a process has
 * served a Next request, Next's AsyncLocalStorage runs an async hook for every promise in it, the fast
 * path's included. This is why the gateway's stages, the forwarder and the Redis requester chain or
 * return values where they could await (bench/RESULTS.md has the profiles).
 */
export type Awaitable<T> = T | Promise<T>;

/** Applies `next` at once to a value, or once a promise settles. */
export function andThen<T, U>(value: Awaitable<T>, next: (value: T) => Awaitable<U>): Awaitable<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
