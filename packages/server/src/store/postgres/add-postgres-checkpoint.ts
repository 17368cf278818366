import type pg from 'pg'
import { makeCheckpoint } from '../make-checkpoint.js'
import type { HeadRow } from '../record-of-row.js'
import type { CheckpointRecord } from '../records.js'
import type { CheckpointSign, Store } from '../store.js'
import { DATABASE_CLOCK } from './database-clock.js'
import { pipelined } from './pipelined.js'

/**
 * What a checkpoint reads once it holds the head lock: the stored hash of the head's last record,
 * the note stored last, and its time: the database clock, never before the newest record time or
 * the previous checkpoint's time (a clock stepped back), so a checkpoint is never timed before a
 * record it covers. `max(time)` is one probe of the time index.
 */
const CHECKPOINT_READ = `SELECT
    (SELECT entry_hash FROM audit_log WHERE seq = (SELECT size FROM audit_head WHERE id = 1)) AS at,
    (SELECT note FROM checkpoints ORDER BY n DESC LIMIT 1) AS latest,
    to_char(greatest(${DATABASE_CLOCK.timestamp}, (SELECT max(time) FROM audit_log),
      (SELECT signed_at FROM checkpoints ORDER BY n DESC LIMIT 1)) AT TIME ZONE 'UTC',
      'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time`

/**
 * {@link Store.addCheckpoint} on PostgreSQL, inside the caller's open transaction (committed by
 * the caller): locks the head row, reads what `makeCheckpoint` checks, has `sign` sign, and stores
 * the note and the head's new signed size.
 *
 * @param db the connection of the open transaction.
 * @param origin the chain's origin.
 * @param sign signs the head, under the lock.
 * @returns the checkpoint stored.
 * @throws ServerError as `makeCheckpoint` does.
 */
export async function addPostgresCheckpoint(
  db: pg.PoolClient,
  origin: string,
  sign: CheckpointSign,
): Promise<CheckpointRecord> {
  // The head lock orders checkpoints with appends and with each other: two instances that both
  // believed they were the signer cannot both chain a note to the same predecessor, and no record
  // is appended between reading the head and storing its checkpoint. The second statement runs
  // once the lock is granted, so its snapshot holds every record before it.
  const [locked, read] = await pipelined(db, () => [
    db.query<HeadRow>('SELECT * FROM audit_head WHERE id = 1 FOR UPDATE'),
    db.query<{ at: Buffer | null; latest: string | null; time: string }>({
      name: 'latch_checkpoint_read',
      text: CHECKPOINT_READ,
    }),
  ])
  const head = locked?.rows[0] as HeadRow
  const { at, latest, time } = read?.rows[0] ?? { at: null, latest: null, time: '' }
  const checkpoint = makeCheckpoint(
    {
      origin,
      size: head.size,
      headHash: head.head_hash,
      storedHash: at ?? undefined,
      latestNote: latest ?? undefined,
      time: new Date(time),
    },
    sign,
  )
  await pipelined(db, () => [
    db.query('INSERT INTO checkpoints (size, note, signed_at) VALUES ($1, $2, $3)', [
      checkpoint.size,
      checkpoint.note,
      checkpoint.signedAt,
    ]),
    db.query(
      'UPDATE audit_head SET signed_size = size, signed_at = $1, first_unsigned_at = NULL WHERE id = 1',
      [checkpoint.signedAt],
    ),
  ])
  return checkpoint
}
