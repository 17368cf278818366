import { sealRecord } from '@latch/audit'
import { ServerError } from '../../errors.js'
import { auditIndexFields } from '../audit-index-fields.js'
import type { HeadRow } from '../record-of-row.js'
import type { AuditDraft } from '../records.js'
import type { AuditTailBounds } from '../store.js'
import type { SqliteStatements } from './prepare-sqlite-statements.js'

/**
 * Appends one record to the SQLite chain, inside the caller's `BEGIN IMMEDIATE` transaction (whose
 * write lock is the chain-head lock) and last in it: refused past the unsigned-tail bounds, sealed
 * at the next seq and its time, indexed, and the head advanced: in the `audit_head` row, or, given
 * `group`, in `group.head` alone, which the group commit reads once and writes back once before
 * its `COMMIT` (no other write can come between, since the transaction holds the write lock).
 *
 * @param sql the store's statements.
 * @param bounds the unsigned-tail bounds.
 * @param draft the record.
 * @param time the record's time (a decision's: the time its judgement used); the database clock
 *   when absent.
 * @returns the record's seq.
 * @throws ServerError `ERR_AUDIT_UNAVAILABLE` past a bound or when the record cannot be written;
 *   `ERR_INTERNAL` when it cannot be serialized. Either way the caller's transaction rolls back
 *   (and `group.head` is left as it was).
 */
export function appendSqliteRecord(
  sql: SqliteStatements,
  bounds: AuditTailBounds,
  draft: AuditDraft,
  time: string = (sql.now.get() as { now: string }).now,
  group?: { head: HeadRow },
): number {
  const head = group?.head ?? (sql.getHead.get() as HeadRow)
  const unsigned = head.size - head.signed_size
  const oldest =
    head.first_unsigned_at === null ? undefined : new Date(head.first_unsigned_at).getTime()
  if (
    unsigned >= bounds.maxUnsignedRecords ||
    (oldest !== undefined && Date.parse(time) - oldest > bounds.maxUnsignedAgeMs)
  ) {
    throw new ServerError('ERR_AUDIT_UNAVAILABLE', 'the unsigned audit tail is past its bound')
  }
  const seq = head.size + 1
  const sealed = sealRecord(draft, seq, time, head.head_hash)
  const index = auditIndexFields(draft)
  try {
    sql.appendAudit.run(seq, sealed.recordBytes, sealed.entryHash)
    sql.indexAudit.run(seq, index.type, index.actor, index.policyId, time)
    if (group === undefined) sql.advanceHead.run(seq, sealed.entryHash, time)
  } catch (cause) {
    throw new ServerError('ERR_AUDIT_UNAVAILABLE', 'the audit record could not be written', {
      cause,
    })
  }
  if (group !== undefined) {
    group.head = {
      ...head,
      size: seq,
      head_hash: sealed.entryHash,
      first_unsigned_at: head.first_unsigned_at ?? time,
    }
  }
  return seq
}
