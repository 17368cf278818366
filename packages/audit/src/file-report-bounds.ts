import { AuditError } from './audit-error.js'
import { AUDIT_TIME_TOLERANCE_MS } from './audit-time-tolerance.js'
import type { Checkpoint, CheckpointVerifierKey } from './checkpoint.js'
import { verifyCheckpointNote } from './verify-checkpoint-note.js'

/** The signed checkpoints a per-file report's stretch of chain runs between. */
export interface FileReportBounds {
  /** The last checkpoint timed before the window; `undefined`: the start of the log. */
  readonly from: Checkpoint | undefined
  /**
   * The first checkpoint timed at least `AUDIT_TIME_TOLERANCE_MS` after the window's end;
   * `undefined` while there is none yet.
   */
  readonly to: Checkpoint | undefined
}

/**
 * The bounds of a per-file report's window in the chain, the rule `buildFileReport` applies: from
 * the last checkpoint timed before `since` (every record it covers is timed before the window) to
 * the first timed at least {@link AUDIT_TIME_TOLERANCE_MS} after `until` (every record timed
 * before `until` precedes it). Only notes that verify under `key` bound anything; the verifier
 * reports the others. An export of the same stretch lets anyone check the report offline.
 *
 * @param input the notes (oldest first, as stored), the trusted key and the window.
 * @returns the two checkpoints.
 * @throws AuditError `ERR_AUDIT_ARGUMENT_INVALID` when the key is not an Ed25519 key with a
 *   valid name.
 * @example
 * const { from, to } = fileReportBounds({ notes, key, since, until })
 * if (to === undefined) console.log('no checkpoint after the window yet')
 */
export function fileReportBounds(input: {
  readonly notes: readonly string[]
  readonly key: CheckpointVerifierKey
  readonly since: Date
  readonly until: Date
}): FileReportBounds {
  const signed: Checkpoint[] = []
  for (const note of input.notes) {
    try {
      signed.push(verifyCheckpointNote(note, input.key))
    } catch (error) {
      // An invalid note bounds nothing; the verifier reports it.
      if (!(error instanceof AuditError) || error.code !== 'ERR_AUDIT_CHECKPOINT_INVALID') {
        throw error
      }
    }
  }
  const since = input.since.getTime()
  const until = input.until.getTime() + AUDIT_TIME_TOLERANCE_MS
  return {
    from: signed.filter((c) => c.time.getTime() < since).at(-1),
    to: signed.find((c) => c.time.getTime() >= until),
  }
}
