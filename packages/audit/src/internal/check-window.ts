import { AuditError } from '../audit-error.js'
import { genesisHash } from '../genesis-hash.js'
import type { AuditWindowStart } from '../verify-audit-log.js'
import type { SignedPoint } from './check-notes.js'
import { latin1 } from './latin1.js'
import type { ProblemList } from './problem-list.js'

const HASH_SIZE = 32

/** The stretch of the chain a verification walks. */
export interface Window {
  /** Where the walk starts: after `size` rows, from `head`. */
  start: { size: number; head: Uint8Array }
  /** Whether a valid note (or the genesis) vouches for the start. */
  anchored: boolean
  /** The last seq to read. */
  end: number
}

/** Checks that `from` and `to` are anchored by valid notes (or the genesis), naming them if not. */
export function checkWindow(
  input: {
    readonly origin: string
    readonly from?: AuditWindowStart | undefined
    readonly to?: number | undefined
  },
  points: readonly SignedPoint[],
  report: ProblemList,
): Window {
  const { from, to } = input
  const problem = (message: string) =>
    report.add({ seq: undefined, checkpoint: undefined, kind: 'window-invalid', message })
  let start = { size: 0, head: genesisHash(input.origin) as Uint8Array }
  let anchored = true
  if (from !== undefined) {
    if (!isSize(from.size) || from.headHash?.length !== HASH_SIZE) {
      throw new AuditError(
        'ERR_AUDIT_ARGUMENT_INVALID',
        'from must be a checkpoint: a size (safe integer ≥ 0) and a 32-byte head hash',
      )
    }
    const head = latin1(from.headHash)
    anchored =
      from.size === 0
        ? head === latin1(start.head)
        : points.some((p) => p.size === from.size && p.head === head)
    if (!anchored) {
      problem(
        from.size === 0
          ? `the window starts at size 0 with a head that is not this origin's genesis hash`
          : `the window starts at size ${from.size} with head ${Buffer.from(from.headHash).toString('base64')}, which no valid checkpoint signs`,
      )
    }
    start = { size: from.size, head: from.headHash }
  }
  if (to === undefined) return { start, anchored, end: Number.POSITIVE_INFINITY }
  if (!isSize(to)) {
    throw new AuditError('ERR_AUDIT_ARGUMENT_INVALID', 'to must be a size (safe integer ≥ 0)')
  }
  if (to < start.size) {
    problem(`the window ends at seq ${to}, before it starts (after seq ${start.size})`)
    return { start, anchored, end: start.size }
  }
  if (to !== 0 && !points.some((p) => p.size === to)) {
    problem(`the window ends at seq ${to}, which is not the size of a valid checkpoint`)
  }
  return { start, anchored, end: to }
}

/**
 * The notes a window's walk meets, up to its end: from its start's size on when a note anchors
 * the start (another head signed for that size then shows as a fork), after it when none does
 * (the start is named already, and the walk keeps to the head it was given).
 */
export function windowPoints(points: readonly SignedPoint[], window: Window): SignedPoint[] {
  const first = window.anchored ? window.start.size : window.start.size + 1
  return points.filter((p) => p.size >= first && p.size <= window.end)
}

function isSize(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}
