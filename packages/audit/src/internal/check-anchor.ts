import { AuditError } from '../audit-error.js'
import type { AuditProblem } from '../audit-problem.js'
import type { Checkpoint, CheckpointVerifierKey } from '../checkpoint.js'
import { verifyCheckpointNote } from '../verify-checkpoint-note.js'

/**
 * Checks a log against a checkpoint note kept outside its database (an anchor: a copy in object
 * storage with a retention lock, a ticket, another site). The database's own notes cannot reveal
 * a restore from an older backup, since they were rolled back with it; an anchor can. The log
 * must hold the anchor among its notes (its notes are checked against its records already).
 *
 * @param anchor the note's text, as saved.
 * @param log the log's origin, where its rows end, its notes and the trusted key.
 * @returns what is wrong: `truncated` for a log that ends before the anchor's size (rolled back),
 *   `checkpoint-mismatch` for one that reaches it without holding it (rewritten after it),
 *   `checkpoint-invalid` for an anchor that is not a valid note of this log; `undefined` when
 *   the log holds the anchor.
 */
export function checkAnchor(
  anchor: string,
  log: {
    readonly origin: string
    readonly lastSeq: number
    readonly notes: readonly string[]
    readonly key: CheckpointVerifierKey
  },
): AuditProblem | undefined {
  // A saved note may have lost its final newline or gained one.
  const note = `${anchor.trimEnd()}\n`
  let signed: Checkpoint
  try {
    signed = verifyCheckpointNote(note, log.key)
  } catch (error) {
    if (!(error instanceof AuditError) || error.code !== 'ERR_AUDIT_CHECKPOINT_INVALID') {
      throw error
    }
    return problem(
      'checkpoint-invalid',
      `the anchor is not a checkpoint signed by the trusted key: ${error.message}`,
    )
  }
  if (signed.origin !== log.origin) {
    return problem(
      'checkpoint-invalid',
      `the anchor is a checkpoint of another log (${signed.origin})`,
    )
  }
  if (log.notes.includes(note)) return undefined
  const what = `a checkpoint kept outside it signs ${signed.size} records (${signed.time.toISOString()})`
  return signed.size > log.lastSeq
    ? problem('truncated', `rolled back: the log ends at record ${log.lastSeq}, but ${what}`)
    : problem(
        'checkpoint-mismatch',
        `rewritten: the log does not hold the anchor, although ${what}`,
      )
}

function problem(kind: AuditProblem['kind'], message: string): AuditProblem {
  return { kind, seq: undefined, checkpoint: undefined, message: `anchor: ${message}` }
}
