import type pg from 'pg'

/**
 * Runs `send` with the connection's socket corked: the messages of the statements it queues go
 * out in one write instead of one each.
 *
 * @param db a connection checked out of the pool.
 * @param send queues statements (`db.query`) without awaiting them.
 * @returns what `send` returns.
 */
export function corked<T>(db: pg.PoolClient, send: () => T): T {
  const { stream } = (db as unknown as pg.Client).connection
  stream.cork()
  try {
    return send()
  } finally {
    stream.uncork()
  }
}
