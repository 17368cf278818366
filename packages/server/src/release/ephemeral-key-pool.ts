import { generateKeyPair, type KeyObject } from 'node:crypto'
import type { EphemeralX25519Key } from '@latch/format'

/**
 * Ephemeral X25519 keys for re-wraps, made ahead on libuv's thread pool: a key pair costs about
 * 50–90 µs of the event loop's CPU drawn there (a scalar multiplication and the public half's
 * export), about 30 µs made by the asynchronous `generateKeyPair` (issue 16, measured).
 * {@link EphemeralKeyPool.take} hands each key out once and forgets it, and starts the making of
 * its replacement; an empty pool gives `undefined`, and the caller draws a key itself.
 */
export class EphemeralKeyPool {
  readonly #ready: EphemeralX25519Key[] = []
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
  take(): EphemeralX25519Key | undefined {
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
      // No encoding asked of the job: a DER-encoded public half costs the event loop ~130 µs per
      // key (OpenSSL 3.0's encoder lookup), the JWK export below a few µs (issue 16). The export
      // runs inside the job's own callback, and Node deletes the job (which shares the key's
      // lock) only after the callback returns, never in a garbage collection during the export:
      // the Node 20 deadlock generateX25519KeyPair notes needs exactly that.
      generateKeyPair('x25519', {}, (error: Error | null, publicKey: KeyObject, privateKey) => {
        this.#making--
        // On an error the pool stays short by one: callers draw keys themselves.
        if (error !== null || this.#closed) return
        const { x } = publicKey.export({ format: 'jwk' })
        if (x !== undefined) this.#ready.push({ privateKey, x })
      })
    }
  }
}
