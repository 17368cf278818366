import { noteHash, signCheckpoint } from '@latch/audit'
import type { FastifyBaseLogger } from 'fastify'
import { ServerError } from '../errors.js'
import type { KeyRing } from '../keys/key-ring.js'
import type { Store } from '../store/store.js'

/** When to sign: at least every `intervalMs`, and as soon as `records` records are unsigned. */
export interface CheckpointSchedule {
  readonly intervalMs: number
  readonly records: number
}

/**
 * Signs checkpoints of the audit chain with the server's Ed25519 key: on a timer (empty
 * intervals included, so a verifier can tell a quiet log from a truncated one) and whenever the
 * unsigned tail reaches its record count. The store picks the head and the time (its database
 * clock, under the chain-head lock) and this signs them there. One signing at a time; when several instances share
 * the database, only the holder of the store's checkpoint lease signs, and the others try to
 * take the lease at every tick, so one of them signs within an interval of the signer's death.
 */
export class Checkpointer {
  readonly #store: Store
  readonly #keys: KeyRing
  readonly #schedule: CheckpointSchedule
  readonly #log: FastifyBaseLogger | undefined
  #timer: NodeJS.Timeout | undefined
  #running: Promise<number> | undefined
  #signedSize = 0
  #leaseTriedAt = 0
  #signer = false

  constructor(store: Store, keys: KeyRing, schedule: CheckpointSchedule, log?: FastifyBaseLogger) {
    this.#store = store
    this.#keys = keys
    this.#schedule = schedule
    this.#log = log
  }

  /** Starts the timer (after signing the current head once). */
  async start(): Promise<void> {
    await this.sign()
    this.#timer = setInterval(() => {
      this.sign().catch((error: unknown) => this.#log?.error({ err: error }, 'checkpoint failed'))
    }, this.#schedule.intervalMs)
    this.#timer.unref()
  }

  /** Stops the timer and waits for a signing in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running?.catch(() => undefined)
  }

  /** Tells the checkpointer that record `seq` was appended; signs when the tail is long enough. */
  appended(seq: number): void {
    if (
      seq - this.#signedSize >= this.#schedule.records &&
      this.#running === undefined &&
      // An instance that is not the signer would otherwise ask for the lease on every request.
      (this.#signer || Date.now() - this.#leaseTriedAt > 1000)
    ) {
      this.sign().catch((error: unknown) => this.#log?.error({ err: error }, 'checkpoint failed'))
    }
  }

  /**
   * Signs the current head now and returns the size it covers; on an instance that is not the
   * signer (another holds the lease), signs nothing and returns the size signed so far.
   */
  sign(): Promise<number> {
    this.#running ??= this.#sign().finally(() => {
      this.#running = undefined
    })
    return this.#running
  }

  async #sign(): Promise<number> {
    if (!(await this.#isSigner())) {
      this.#signedSize = (await this.#store.auditHead()).signedSize
      return this.#signedSize
    }
    for (let attempt = 0; ; attempt++) {
      const previous = await this.#store.latestCheckpoint()
      const previousNoteHash = previous === undefined ? undefined : noteHash(previous.note)
      try {
        // The store gives the head and the time (its database clock, under the chain-head
        // lock), never this instance's clock: a signer whose clock runs ahead would otherwise
        // time a checkpoint after records it does not cover, and a report bounded by it would
        // miss them.
        const { size } = await this.#store.addCheckpoint((size, headHash, time) =>
          signCheckpoint(
            { origin: this.#store.auditOrigin, size, headHash, time, previousNoteHash },
            this.#keys.checkpointSigner,
          ),
        )
        this.#signedSize = size
        return size
      } catch (error) {
        // Another signer (an instance that held the lease until just now) got there first.
        if (!(error instanceof ServerError && error.code === 'ERR_CONFLICT') || attempt >= 2) {
          throw error
        }
      }
    }
  }

  async #isSigner(): Promise<boolean> {
    if (this.#store.holdCheckpointLease === undefined) return true
    this.#leaseTriedAt = Date.now()
    this.#signer = await this.#store.holdCheckpointLease()
    return this.#signer
  }
}
