/** The settling side of a batched request's promise (see {@link settleOnce}). */
export interface Settle<T> {
  /** Settles with `value`; `false` when it was settled already (the value is the caller's). */
  resolve(value: T): boolean
  /** Settles with `error`; `false` when it was settled already. */
  reject(error: unknown): boolean
  /** Whether it settled: answered, failed or aborted. */
  readonly settled: boolean
}

/**
 * Wraps a promise's `resolve` and `reject` so that it settles once, and at once with the
 * signal's reason when `signal` aborts (already aborted: now); then `abandon` undoes the
 * caller's waiting (takes the request out of its queue, cancels a batch nobody waits for). The
 * abort listener goes when it settles. The batchers' requests use it: a batch's answer may come
 * after its caller gave up.
 *
 * @internal
 */
export function settleOnce<T>(
  resolve: (value: T) => void,
  reject: (error: unknown) => void,
  signal: AbortSignal | undefined,
  abandon: () => void,
): Settle<T> {
  let settled = false
  const onAbort = () => {
    if (once.reject(signal?.reason)) abandon()
  }
  const settle = () => {
    if (settled) return false
    settled = true
    signal?.removeEventListener('abort', onAbort)
    return true
  }
  const once: Settle<T> = {
    resolve: (value) => {
      if (!settle()) return false
      resolve(value)
      return true
    },
    reject: (error) => {
      if (!settle()) return false
      reject(error)
      return true
    },
    get settled() {
      return settled
    },
  }
  if (signal?.aborted === true) once.reject(signal.reason)
  else signal?.addEventListener('abort', onAbort, { once: true })
  return once
}
