import type pg from 'pg'
import { corked } from './corked.js'

/**
 * Sends the statements `send` issues together (pipelined, and in one write: see {@link corked})
 * and waits for all of them. Each still runs in order, in the same transaction: a statement that
 * needs the locks an earlier one takes runs once they are granted, with no round trip between.
 *
 * @param db a connection checked out of the pool.
 * @param send queues the statements and returns their promises.
 * @returns their results, in order.
 * @throws the first failure, once every statement answered.
 */
export async function pipelined<R extends pg.QueryResultRow[]>(
  db: pg.PoolClient,
  send: () => { [K in keyof R]: Promise<pg.QueryResult<R[K]>> },
): Promise<{ [K in keyof R]: pg.QueryResult<R[K]> | undefined }> {
  const settled = await Promise.allSettled(corked(db, send))
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason
  return settled.map((o) => (o.status === 'fulfilled' ? o.value : undefined)) as {
    [K in keyof R]: pg.QueryResult<R[K]> | undefined
  }
}
