/**
 * Up to `limit` promises in flight, released in the order they were started: the streams run
 * several segments through WebCrypto at once and still emit them in order. A rejection is kept
 * until its turn comes, so it never surfaces as an unhandled rejection.
 */
export class OrderedJobs<T> {
  readonly #limit: number
  readonly #jobs: Promise<T>[] = []

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit))
  }

  /** Starts tracking `job`; when `limit` are in flight, waits for the oldest and emits it. */
  async add(job: Promise<T>, emit: (value: T) => void): Promise<void> {
    job.catch(() => {})
    this.#jobs.push(job)
    while (this.#jobs.length >= this.#limit) emit(await (this.#jobs.shift() as Promise<T>))
  }

  /** Waits for every job in order and emits each. */
  async drain(emit: (value: T) => void): Promise<void> {
    while (this.#jobs.length > 0) emit(await (this.#jobs.shift() as Promise<T>))
  }
}
