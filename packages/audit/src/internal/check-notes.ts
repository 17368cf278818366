import { AuditError } from '../audit-error.js'
import type { AuditProblemKind } from '../audit-problem.js'
import type { Checkpoint, CheckpointVerifierKey } from '../checkpoint.js'
import { noteHash } from '../note-hash.js'
import { verifyCheckpointNote } from '../verify-checkpoint-note.js'
import { latin1 } from './latin1.js'
import type { ProblemList } from './problem-list.js'

/** A valid checkpoint, as the row walk uses it. */
export interface SignedPoint {
  index: number
  size: number
  /** The signed head as a latin1 string, the walk's form of a hash. */
  head: string
  time: Date
  /** No `checkpoint-order` problem was named for it: its time can be judged against records. */
  ordered: boolean
}

/**
 * Checks every note: its signature under `input.key`, its origin, its link to the note stored
 * before it (`prev`), and that sizes and times never go back. Names each problem in `report`.
 *
 * @returns the valid notes, by size (stored order among equal sizes).
 */
export function checkNotes(
  input: {
    readonly origin: string
    readonly notes: readonly string[]
    readonly key: CheckpointVerifierKey
    /** The size a window starts at, if any. */
    readonly fromSize: number | undefined
  },
  report: ProblemList,
): SignedPoint[] {
  // A window's trust rests on the note it starts at alone, so the notes before it may be left out.
  const partial = input.fromSize !== undefined && input.fromSize > 0
  const points: SignedPoint[] = []
  let last: SignedPoint | undefined
  let previousValid = false
  input.notes.forEach((note, index) => {
    const noteProblem = (kind: AuditProblemKind, message: string) =>
      report.add({
        seq: undefined,
        checkpoint: index,
        kind,
        message: `checkpoint #${index}: ${message}`,
      })
    let checkpoint: Checkpoint
    try {
      checkpoint = verifyCheckpointNote(note, input.key)
    } catch (error) {
      if (!(error instanceof AuditError) || error.code !== 'ERR_AUDIT_CHECKPOINT_INVALID') {
        throw error
      }
      noteProblem('checkpoint-invalid', error.message.replace(/^checkpoint note: /, ''))
      previousValid = false
      return
    }
    if (checkpoint.origin !== input.origin) {
      noteProblem('checkpoint-invalid', `origin "${checkpoint.origin}" is not "${input.origin}"`)
      previousValid = false
      return
    }
    const point = {
      index,
      size: checkpoint.size,
      head: latin1(checkpoint.headHash),
      time: checkpoint.time,
      ordered: true,
    }
    const problem = (kind: AuditProblemKind, message: string) => {
      point.ordered = false
      noteProblem(kind, message)
    }
    const prev = checkpoint.previousNoteHash
    const before = input.notes[index - 1]
    // After an invalid note the link cannot be judged: that note is reported already.
    if (before === undefined) {
      if (prev !== undefined && !partial) {
        problem('checkpoint-order', 'the first note has a prev hash: earlier notes are missing')
      }
    } else if (previousValid && (prev === undefined || !noteHash(before).equals(prev))) {
      problem(
        'checkpoint-order',
        `prev is not the hash of checkpoint #${index - 1}: a note was removed, inserted or reordered`,
      )
    } else if (last !== undefined && point.size < last.size) {
      problem('checkpoint-order', `size goes back from ${last.size} to ${point.size}`)
    } else if (last !== undefined && point.time < last.time) {
      problem(
        'checkpoint-order',
        `time goes back from ${last.time.toISOString()} to ${point.time.toISOString()}`,
      )
    }
    points.push(point)
    last = point
    previousValid = true
  })
  // The walk meets checkpoints by size; the stable sort keeps stored order among equal sizes.
  return points.sort((a, b) => a.size - b.size)
}
