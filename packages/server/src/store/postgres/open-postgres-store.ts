import pg from 'pg'
import { ServerError } from '../../errors.js'
import type { AuditTailBounds, Store } from '../store.js'
import { migratePostgres } from './migrate-postgres.js'
import { PostgresStore } from './postgres-store.js'
import { redactUrl } from './redact-url.js'

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database?…` (libpq URL; `sslmode` and the rest apply). */
  readonly url: string
  /**
   * The password, when the URL holds none (from a file or the environment: see
   * `databasePassword`). Without it the driver reads `PGPASSWORD` or `~/.pgpass`.
   */
  readonly password?: string | undefined
  readonly tailBounds: AuditTailBounds
  /** Connections in this instance's pool (default 10). */
  readonly poolSize?: number
  /** A statement that runs longer fails, and its operation with 503 (default 5,000 ms). */
  readonly statementTimeoutMs?: number
  /** How long to wait for a connection before answering 503 (default 5,000 ms). */
  readonly connectTimeoutMs?: number
}

const INT8_OID = 20

/**
 * Opens (and migrates) the PostgreSQL store: a connection pool through which any number of
 * key-server instances share one database. Every operation is one READ COMMITTED transaction that
 * takes its locks in one fixed order (the lockdown-rules advisory lock, the policy's advisory
 * lock, the audit head row last), so the audit chain's order is the commit order whichever
 * instance wrote each record. Migrations run on open under an advisory lock, so instances may
 * start together.
 *
 * @throws ServerError `ERR_STORE_UNAVAILABLE` when the database cannot be reached or migrated.
 * @example
 * ```ts
 * const store = await openPostgresStore({
 *   url: 'postgres://latch@db.internal/latch',
 *   tailBounds: { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 },
 * })
 * ```
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const timeout = options.statementTimeoutMs ?? 5_000
  const config: pg.PoolConfig = {
    connectionString:
      options.password === undefined ? options.url : withPassword(options.url, options.password),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    statement_timeout: timeout,
    // A transaction left open by a stalled instance would hold the audit head: end it.
    idle_in_transaction_session_timeout: Math.max(timeout * 2, 10_000),
    keepAlive: true,
    // Statements that do not wait for each other's answers go out together (a decision takes
    // two round trips, not five); each still runs in order, in the same transaction.
    pipeline: true,
    application_name: 'latch-server',
    types: { getTypeParser: typeParser as pg.CustomTypesConfig['getTypeParser'] },
  }
  const pool = new pg.Pool(config)
  // An idle connection that breaks (the database restarted) is dropped by the pool; without a
  // listener the error would end the process.
  pool.on('error', () => undefined)
  try {
    const origin = await migratePostgres(pool)
    return new PostgresStore(pool, config, options.tailBounds, origin)
  } catch (cause) {
    await pool.end().catch(() => undefined)
    if (cause instanceof ServerError) throw cause
    throw new ServerError(
      'ERR_STORE_UNAVAILABLE',
      `cannot open database ${redactUrl(options.url)}`,
      {
        cause,
      },
    )
  }
}

// The driver lets a connection string's (empty) password override a `password` option, so the
// password goes into the string, as a parameter, which also works for a URL without a host.
// This string stays in memory: messages and logs show `options.url`, redacted.
function withPassword(url: string, password: string): string {
  const parsed = new URL(url)
  parsed.searchParams.set('password', password)
  return parsed.toString()
}

function typeParser(oid: number, format?: 'text' | 'binary'): unknown {
  // Sizes and counts are bigint: as numbers they are exact up to 2^53, far past any audit chain.
  if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value)
  return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format)
}
