import type pg from 'pg'
import { storeFailure } from './store-failure.js'

/** How {@link PostgresPool.transaction} opens a transaction. */
export interface TransactionOptions {
  /**
   * `'first'` (the default): BEGIN is sent, and answered, before `fn` runs. `'pipelined'`: `fn`
   * sends BEGIN itself as its first statement, in the same write as the advisory locks it takes
   * and its first read (`beginLocked`), which saves the round trip a BEGIN of its own would cost.
   */
  readonly begin?: 'first' | 'pipelined'
}

/**
 * The store's connection pool: one-statement queries, and transactions on a connection of their
 * own. Every failure comes out as a `ServerError` (`storeFailure`).
 */
export class PostgresPool {
  readonly #pool: pg.Pool
  /** Connections whose transaction `fn` committed itself (see {@link PostgresPool.committed}). */
  readonly #committed = new WeakSet<pg.PoolClient>()
  readonly #listened = new WeakSet<pg.PoolClient>()

  /** @param pool the driver's pool. */
  constructor(pool: pg.Pool) {
    this.#pool = pool
  }

  /** Closes every connection. */
  async end(): Promise<void> {
    await this.#pool.end()
  }

  /** Runs one statement outside any transaction and returns its rows. */
  async query<R extends pg.QueryResultRow>(
    query: string | { name: string; text: string },
    values: unknown[] = [],
  ): Promise<R[]> {
    try {
      const config = typeof query === 'string' ? { text: query, values } : { ...query, values }
      return (await this.#pool.query<R>(config)).rows
    } catch (cause) {
      throw storeFailure(cause)
    }
  }

  /** Checks a connection out of the pool; the caller releases it. */
  async connect(): Promise<pg.PoolClient> {
    let db: pg.PoolClient
    try {
      db = await this.#pool.connect()
    } catch (cause) {
      throw storeFailure(cause)
    }
    // The pool listens for errors on idle connections only: a connection that breaks while
    // checked out (the database stopped) would end the process. Its queries fail on their own.
    if (!this.#listened.has(db)) {
      this.#listened.add(db)
      db.on('error', () => undefined)
    }
    return db
  }

  /**
   * Runs `fn` in a transaction on a connection of its own and commits, unless `fn` committed it
   * (see {@link PostgresPool.committed}). Any failure rolls back and is a `ERR_STORE_UNAVAILABLE`
   * unless it is a `ServerError` already.
   */
  transaction<T>(fn: (db: pg.PoolClient) => Promise<T>): Promise<T>
  transaction<T>(options: TransactionOptions, fn: (db: pg.PoolClient) => Promise<T>): Promise<T>
  async transaction<T>(
    ...args:
      | [(db: pg.PoolClient) => Promise<T>]
      | [TransactionOptions, (db: pg.PoolClient) => Promise<T>]
  ): Promise<T> {
    const [options, fn] = args.length === 1 ? [{}, args[0]] : args
    const db = await this.connect()
    try {
      if (options.begin !== 'pipelined') await db.query('BEGIN')
      const result = await fn(db)
      if (!this.#committed.delete(db)) await db.query('COMMIT')
      db.release()
      return result
    } catch (error) {
      this.#committed.delete(db)
      try {
        await db.query('ROLLBACK')
        db.release()
      } catch {
        // A connection that cannot roll back is broken: drop it rather than pool it.
        db.release(true)
      }
      throw storeFailure(error)
    }
  }

  /**
   * Notes that the transaction on `db` is being committed by its own last statements (the audit
   * append sends COMMIT with the record), so that {@link PostgresPool.transaction} sends none.
   */
  committed(db: pg.PoolClient): void {
    this.#committed.add(db)
  }
}
