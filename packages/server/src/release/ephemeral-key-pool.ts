import { type EphemeralX25519CryptoKey, generateEphemeralX25519CryptoKey } from '@latch/format'

/**
 * Ephemeral X25519 keys for re-wraps, made ahead through WebCrypto, whose scalar multiplications
 * run on libuv's thread pool. {@link EphemeralKeyPool.take} hands each key out once and forgets
 * it, and starts the making of its replacement; an empty pool gives `undefined`, and the caller
 * makes a key itself.
 */
export class EphemeralKeyPool {
  readonly #ready: EphemeralX25519CryptoKey[] = []
  readonly #size: number
  #making = 0
  #closed = false

  /** @param size - how many keys to hold ready (about a burst of requests' worth). */
  constructor(size: number) {
    this.#size = size
    this.#refill()
  }

  /**
   * @returns a fresh key pair, never handed out before nor again, or `undefined` when none is
   *   ready.
   */
  take(): EphemeralX25519CryptoKey | undefined {
    const key = this.#ready.pop()
    this.#refill()
    return key
  }

  /** Stops making keys and drops the ready ones. */
  close(): void {
    this.#closed = true
    this.#ready.length = 0
  }

  #refill(): void {
    while (!this.#closed && this.#ready.length + this.#making < this.#size) {
      this.#making++
      generateEphemeralX25519CryptoKey().then(
        (key) => {
          this.#making--
          if (!this.#closed) this.#ready.push(key)
        },
        () => {
          // The pool stays short by one: callers make keys themselves.
          this.#making--
        },
      )
    }
  }
}
