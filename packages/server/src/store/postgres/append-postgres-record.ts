import type pg from 'pg'
import { ServerError } from '../../errors.js'
import { auditIndexFields } from '../audit-index-fields.js'
import type { AuditDraft } from '../records.js'
import type { AuditTailBounds } from '../store.js'
import { corked } from './corked.js'
import { splitRecord } from './split-record.js'
import { storeFailure } from './store-failure.js'

// The SQLSTATE latch_append raises when the unsigned tail is past its bound.
const TAIL_BOUND = 'LT001'
// The SQLSTATE latch_append raises for a record timed more than AUDIT_TIME_TOLERANCE_MS before
// its append (a decision that stalled between its judgement and the chain head).
const TIMED_TOO_EARLY = 'LT002'

/** Options of {@link appendPostgresRecord}. */
export interface AppendOptions {
  /** The record's time (a decision's: the time its judgement used); the clock under the lock when absent. */
  readonly time?: string
  /** A statement sent just before, unawaited, whose failure is reported here too. */
  readonly preceding?: Promise<unknown>
  /**
   * `false`: append without committing, for a transaction that appends another record right
   * after (sent before this one's answer, `preceding` of the last, so that the head lock is still
   * held for the appends and the COMMIT only).
   */
  readonly commit?: false
}

/**
 * Appends one record and commits: the last statements of every transaction that changes state.
 * `latch_append` (schema.ts) locks the head row, puts the record's `seq` and `time` into its
 * canonical bytes, chains and inserts it; COMMIT goes out with it, in one write, so the head
 * lock, which orders the chain as the commits, is held for the two statements only, never for a
 * round trip to this instance. A `time` more than `AUDIT_TIME_TOLERANCE_MS` before the clock at
 * the append is refused, and the transaction rolls back.
 *
 * @param db the connection of the open transaction.
 * @param draft the record.
 * @param bounds the unsigned-tail bounds.
 * @returns the record's seq.
 * @throws ServerError `ERR_AUDIT_UNAVAILABLE` when the record cannot be appended (past a bound,
 *   timed too early, or the insert failed), `ERR_INTERNAL` when it cannot be serialized, or the
 *   failure of `preceding` or of the COMMIT (`ERR_STORE_UNAVAILABLE`). After any of them nothing
 *   may be released: the caller rolls back.
 */
export async function appendPostgresRecord(
  db: pg.PoolClient,
  draft: AuditDraft,
  bounds: AuditTailBounds,
  options: AppendOptions = {},
): Promise<number> {
  // Observed below; marked handled now in case the record cannot be serialized.
  options.preceding?.catch(() => undefined)
  const { head, middle, tail } = splitRecord(draft)
  const index = auditIndexFields(draft)
  const statements = corked(db, () => [
    db.query<{ seq: number }>({
      name: 'latch_append',
      text: 'SELECT latch_append($1, $2, $3, $4, $5, $6, $7, $8, $9) AS seq',
      values: [
        head,
        middle,
        tail,
        options.time ?? null,
        indexText(index.policyId),
        indexText(index.actor),
        indexText(index.type),
        bounds.maxUnsignedRecords,
        bounds.maxUnsignedAgeMs,
      ],
    }),
    ...(options.commit === false ? [] : [db.query('COMMIT')]),
  ])
  const [before, append, commit] = await Promise.allSettled([
    options.preceding,
    statements[0] as Promise<pg.QueryResult<{ seq: number }>>,
    statements[1],
  ])
  if (before.status === 'rejected') throw storeFailure(before.reason)
  if (append.status === 'rejected') {
    const code = (append.reason as { code?: string }).code
    throw new ServerError(
      'ERR_AUDIT_UNAVAILABLE',
      code === TAIL_BOUND
        ? 'the unsigned audit tail is past its bound'
        : code === TIMED_TOO_EARLY
          ? 'the audit record was timed too long before its append'
          : 'the audit record could not be written',
      { cause: append.reason },
    )
  }
  // A failed COMMIT may or may not have committed; either way nothing is released, and a
  // record that says "released" for a key nobody received errs on the safe side.
  if (commit.status === 'rejected') throw storeFailure(commit.reason)
  return (append.value.rows[0] as { seq: number }).seq
}

/** A value for an index column: the index is never trusted, and text cannot hold NUL. */
function indexText(value: string | null): string | null {
  return value?.replaceAll('\0', '\uFFFD') ?? null
}
