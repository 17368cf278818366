import pg from 'pg'
import { ADVISORY_LOCKS } from './advisory-locks.js'

/**
 * The checkpoint-signer lease of one instance: a session advisory lock held on a connection of
 * its own, outside the pool. A session lock lives as long as its connection, so a killed
 * instance's lease ends when its connection closes, and another instance takes it.
 */
export class CheckpointLease {
  readonly #config: pg.ClientConfig
  /** The connection that holds the lease while this instance is the signer. */
  #client: pg.Client | undefined
  #holding: Promise<boolean> | undefined

  /** @param config how the pool connects; the lease's connection is made the same way. */
  constructor(config: pg.ClientConfig) {
    this.#config = config
  }

  /**
   * Takes the lease, or confirms it is still held: `true` while this instance is the signer.
   * Never throws: an unreachable database means "not the signer this time".
   */
  async hold(): Promise<boolean> {
    this.#holding ??= this.#hold().finally(() => {
      this.#holding = undefined
    })
    return this.#holding
  }

  /** Gives the lease up (closes its connection). */
  async end(): Promise<void> {
    const client = this.#client
    this.#client = undefined
    await client?.end().catch(() => undefined)
  }

  async #hold(): Promise<boolean> {
    if (this.#client !== undefined) {
      // Still the signer only while the connection holding the lock is alive.
      try {
        await this.#client.query('SELECT 1')
        return true
      } catch {
        this.#drop()
      }
    }
    const client = new pg.Client({
      ...this.#config,
      // The pid names the signer for operators (pg_stat_activity) and for the takeover test.
      application_name: `latch-checkpointer/${process.pid}`,
    })
    client.on('error', () => {
      if (this.#client === client) this.#drop()
    })
    try {
      await client.connect()
      const { rows } = await client.query<{ held: boolean }>(
        'SELECT pg_try_advisory_lock($1) AS held',
        [ADVISORY_LOCKS.checkpointLease.toString()],
      )
      if (rows[0]?.held === true) {
        this.#client = client
        return true
      }
    } catch {
      // Unreachable database: not the signer this time.
    }
    await client.end().catch(() => undefined)
    return false
  }

  #drop(): void {
    const client = this.#client
    this.#client = undefined
    client?.end().catch(() => undefined)
  }
}
