/** One key's count in its current window. */
interface Window {
  count: number
  startedMs: number
}

/** What {@link RequestBudget.charge} found: the count after charging, and when the window ends. */
export interface BudgetState {
  readonly current: number
  readonly ttl: number
}

/** Keys kept at once: the oldest window is dropped past this (as the plugin's own store does). */
const MAX_KEYS = 5000

/**
 * The rate limiter's counts, per key (an identity, or an address) in fixed windows, as
 * `@fastify/rate-limit`'s store interface asks (`incr`, `read`, `child`), plus
 * {@link charge}: a batch route charges its items beyond the first, so one request of 100 key
 * requests spends the budget of 100 requests, not of one.
 */
export class RequestBudget {
  readonly #windows = new Map<string, Window>()

  /**
   * Adds `units` to `key`'s count in its window (a new window when the last one ended).
   *
   * @returns the count after it, and the milliseconds left in the window.
   */
  charge(key: string, units: number, windowMs: number): BudgetState {
    const now = Date.now()
    let window = this.#windows.get(key)
    if (window === undefined || window.startedMs + windowMs <= now) {
      window = { count: 0, startedMs: now }
    }
    window.count += units
    // Re-inserted last: the Map's order is then the order of use, oldest first.
    this.#windows.delete(key)
    this.#windows.set(key, window)
    if (this.#windows.size > MAX_KEYS) {
      const oldest = this.#windows.keys().next().value
      if (oldest !== undefined) this.#windows.delete(oldest)
    }
    return { current: window.count, ttl: window.startedMs + windowMs - now }
  }

  /** The plugin's counting of one request. */
  incr(key: string, done: (error: Error | null, state: BudgetState) => void, windowMs: number) {
    done(null, this.charge(key, 1, windowMs))
  }

  /** The plugin's look without counting. */
  read(key: string, done: (error: Error | null, state: BudgetState) => void, windowMs: number) {
    const window = this.#windows.get(key)
    const now = Date.now()
    done(
      null,
      window === undefined || window.startedMs + windowMs <= now
        ? { current: 0, ttl: windowMs }
        : { current: window.count, ttl: window.startedMs + windowMs - now },
    )
  }

  /** Routes with limits of their own would get their own counts; none has them, so the same. */
  child(): RequestBudget {
    return this
  }
}
