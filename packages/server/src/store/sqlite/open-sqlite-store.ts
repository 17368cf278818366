import { closeSync, openSync } from 'node:fs'
import Database from 'better-sqlite3'
import { ServerError } from '../../errors.js'
import type { AuditTailBounds, Store } from '../store.js'
import { migrateSqlite } from './migrate-sqlite.js'
import { SqliteStore } from './sqlite-store.js'

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  readonly file: string
  readonly tailBounds: AuditTailBounds
  /**
   * `NORMAL` (default) survives a killed process, the WAL being in the OS cache; `FULL` also
   * survives a power loss, at one fsync per decision.
   */
  readonly synchronous?: 'NORMAL' | 'FULL'
  /** Open an existing database read-only (the verifier): no migration, no write. */
  readonly readonly?: boolean
}

/**
 * Opens (and migrates) the embedded SQLite store: one file in WAL mode, written by this process.
 * Each operation is one synchronous `BEGIN IMMEDIATE` transaction, so decisions, policy changes
 * and audit appends are serialized and the chain's order is the commit order.
 *
 * @throws ServerError `ERR_STORE_UNAVAILABLE` when the file cannot be opened or migrated.
 * @example
 * ```ts
 * const store = openSqliteStore({
 *   file: '/var/lib/latch/latch.db',
 *   tailBounds: { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 },
 * })
 * ```
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  try {
    if (options.readonly === true) {
      const db = new Database(options.file, { readonly: true, fileMustExist: true })
      db.pragma('busy_timeout = 5000')
      db.pragma('temp_store = MEMORY') // as below: a report's sort never leaves the process
      const origin = db.prepare("SELECT value FROM settings WHERE name = 'audit_origin'").get() as
        | { value: string }
        | undefined
      if (origin === undefined) throw new Error('not a Latch database')
      return new SqliteStore(db, options.tailBounds, origin.value)
    }
    // The database holds sealed keys and token hashes: owner-only, like root.key. SQLite gives
    // the -wal and -shm files the database file's mode.
    if (options.file !== ':memory:') closeSync(openSync(options.file, 'a', 0o600))
    const db = new Database(options.file)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`)
    db.pragma('busy_timeout = 5000')
    db.pragma('foreign_keys = ON')
    // A savepoint's undo pages past 64 KiB, and sorts, would otherwise go to temporary files in
    // SQLITE_TMPDIR, TMPDIR or /var/tmp: database pages outside the private data directory, and a
    // failed write on a read-only root filesystem.
    db.pragma('temp_store = MEMORY')
    return new SqliteStore(db, options.tailBounds, migrateSqlite(db))
  } catch (cause) {
    throw new ServerError('ERR_STORE_UNAVAILABLE', `cannot open database ${options.file}`, {
      cause,
    })
  }
}
