import { generateKeyPair, type KeyObject } from 'node:crypto'
import type { EphemeralX25519Key } from '@latch/format'

// An X25519 SubjectPublicKeyInfo is a 12-byte DER prefix and the 32-byte key (RFC 8410).
const SPKI_PREFIX_LENGTH = 12

// Node's overloads type either both halves encoded or neither; with only the public half's
// encoding given, the private half comes back as a KeyObject.
const generateX25519 = generateKeyPair as unknown as (
  type: 'x25519',
  options: { publicKeyEncoding: { type: 'spki'; format: 'der' } },
  done: (error: Error | null, publicKey: Buffer, privateKey: KeyObject) => void,
) => void

/**
 * Ephemeral X25519 keys for re-wraps, made ahead on libuv's thread pool: a key pair costs about
 * 50 µs of CPU made on the event loop (a scalar multiplication), about 12 µs there when made
 * by the asynchronous `generateKeyPair`. {@link EphemeralKeyPool.take} hands each key out once
 * and forgets it, and starts the making of its replacement; an empty pool gives `undefined`, and
 * the caller draws a key itself.
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
      // The public half comes out DER-encoded by the generation job itself: exporting a key of a
      // finished job as a JWK can deadlock Node 20 when a garbage collection during the export
      // destroys the job (see generateX25519KeyPair in @latch/format).
      generateX25519(
        'x25519',
        { publicKeyEncoding: { type: 'spki', format: 'der' } },
        (error: Error | null, publicKey: Buffer, privateKey: KeyObject) => {
          this.#making--
          // On an error the pool stays short by one: callers draw keys themselves.
          if (error !== null || this.#closed) return
          this.#ready.push({
            privateKey,
            x: publicKey.subarray(SPKI_PREFIX_LENGTH).toString('base64url'),
          })
        },
      )
    }
  }
}
