/**
 * A value now, or a promise of it. Hot-path stages return one of these so that an answer already in
 * memory costs no promise: Next's AsyncLocalStorage hooks every promise in this process.
 */
export type Awaitable<T> = T | Promise<T>;

/** Applies `next` at once to a value, or once a promise settles. */
export function andThen<T, U>(value: Awaitable<T>, next: (value: T) => Awaitable<U>): Awaitable<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
