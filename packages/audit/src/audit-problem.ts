import type { AUDIT_TIME_TOLERANCE_MS } from './audit-time-tolerance.js'

/**
 * The kinds of problem the verifier names:
 *
 * - `checkpoint-invalid`: a note that does not parse, is signed by another key, does not verify,
 *   or has another origin; or an anchor that is not a valid note of this log.
 * - `checkpoint-order`: a valid note whose `prev` is not the hash of the note stored before it,
 *   or whose size or time goes backwards (a note was removed, inserted or reordered).
 * - `checkpoint-mismatch`: the chain recomputed from the stored records does not reach the head
 *   a valid note signs: records were changed after signing, hashes recomputed; or a log that
 *   reaches an anchor's size without holding the anchor (rewritten after it).
 * - `seq-gap`: row seqs are not contiguous from 1 (a row deleted, repeated or out of order).
 * - `record-invalid`: record bytes that are not a canonical JSON object with an integer `seq`.
 * - `record-seq-mismatch`: a record whose `seq` member is not its row's seq (rows moved).
 * - `entry-hash-mismatch`: a stored entry hash that does not link the record to the row before
 *   it (a record edited without re-hashing).
 * - `truncated`: rows end before the size a valid checkpoint, or the anchor, signs.
 * - `head-mismatch`: rows end elsewhere than the size the chain-head row claims, or the last
 *   row's entry hash is not the head hash it claims.
 * - `window-invalid`: `from` is not the size and head of a valid checkpoint, or `to` is not the
 *   size of one (or is before `from`): the window is not anchored, so nothing in it is vouched for.
 * - `record-time`: a record timed more than {@link AUDIT_TIME_TOLERANCE_MS} before a checkpoint
 *   that precedes it in the chain, a checkpoint timed before a record it covers, or a record
 *   without a time written `YYYY-MM-DDTHH:MM:SS.sssZ`. The stores never write such a log
 *   (checkpoints take the database's time under the chain-head lock; a record stalled longer
 *   than the tolerance is refused), and a report's window bounds rely on it: the record is named.
 * - `stale`: a warning only: records wait unsigned longer than the bound, so they could be
 *   changed or dropped without detection.
 */
export type AuditProblemKind =
  | 'checkpoint-invalid'
  | 'checkpoint-order'
  | 'checkpoint-mismatch'
  | 'seq-gap'
  | 'record-invalid'
  | 'record-seq-mismatch'
  | 'entry-hash-mismatch'
  | 'truncated'
  | 'head-mismatch'
  | 'window-invalid'
  | 'record-time'
  | 'stale'

/** One verdict of the verifier. */
export interface AuditProblem {
  /** The first seq concerned, or `undefined` for a problem of a note alone. */
  seq: number | undefined
  /** The index of the note concerned in `notes` (from 0), if any. */
  checkpoint: number | undefined
  kind: AuditProblemKind
  /** One line for a person. */
  message: string
}

/** How many problems a report lists; `firstBad` and `ok` still account for all of them. */
export const MAX_REPORTED_PROBLEMS = 100
