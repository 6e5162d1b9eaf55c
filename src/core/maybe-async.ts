// Most exchanges are answered without waiting for anything (a cassette, the simulated sandbox),
// so the pipeline stays synchronous until a step really returns a promise (the upstream, a
// delay). Every `await` costs a microtask turn and an allocation on the hot path.

export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** `next(value)`, now if `value` is already there, else when it arrives. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(next) : next(value);
}
