import type { AuditProblem, AuditProblemKind } from '../audit-problem.js'
import type { AuditRow } from '../audit-row.js'
import { AUDIT_TIME_TOLERANCE_MS } from '../audit-time-tolerance.js'
import { chainHashLatin1, chainHashLatin1Leaf } from '../chain-hash.js'
import { leafHashLatin1 } from '../leaf-hash.js'
import type { SignedPoint } from './check-notes.js'
import { isoMillis } from './iso-millis.js'
import { latin1, sameHash } from './latin1.js'
import type { ProblemList } from './problem-list.js'
import { readRecordSeq } from './read-record-seq.js'
import { type RecordTimeSpan, scanCanonicalRecord } from './scan-canonical-record.js'

const HASH_SIZE = 32

/**
 * One pass over the rows. Per row at most one problem is named, and a problem that is only the
 * echo of an earlier one is not: the row after a gap or a moved row is not hash-checked, a run
 * of rows moved by the same offset is named once, and a checkpoint whose interval already has a
 * problem is not reported again.
 */
export class ChainWalk {
  records = 0
  /** The seq of the last row taken into the chain. */
  lastSeq = 0
  readonly #report: ProblemList
  readonly #points: readonly SignedPoint[]
  #nextPoint = 0
  /** The recomputed `h_lastSeq` (after a checkpoint, its signed head), as a latin1 string. */
  #head: string
  /** The stored hash of the previous row, `undefined` when it cannot vouch for the next link. */
  #previousStored: Uint8Array | undefined
  /** Whether `#previousStored` equals `#head`, so the next link needs no second hash. */
  #previousInSync = true
  #previousOffset = 0
  #previousBackwards = false
  /** The stored hash of the last row taken in (the start's head before any). */
  #lastStored: Uint8Array
  /** First seq after the last checkpoint passed. */
  #intervalStart = 1
  #intervalFlagged = false
  // --- Times ---
  readonly #timeSpan: RecordTimeSpan = { start: -1, end: -1 }
  /** The latest time of the checkpoints passed (those before the next row), and its note. */
  #floorTime = Number.NEGATIVE_INFINITY
  #floorPoint = -1
  /**
   * The latest record time of the intervals that verified, and its seq: no checkpoint after it
   * may be timed before it. The current interval's is kept apart until its checkpoint vouches
   * for its records (a changed record's time is an echo of the change, not a problem of its own).
   */
  #latest = { time: Number.NEGATIVE_INFINITY, seq: 0, named: false }
  #intervalLatestTime = Number.NEGATIVE_INFINITY
  #intervalLatestSeq = 0
  /** The current interval's first record named for its time, held until its checkpoint passes. */
  #intervalTimeProblem: AuditProblem | undefined

  constructor(
    start: { size: number; head: Uint8Array },
    points: readonly SignedPoint[],
    report: ProblemList,
  ) {
    this.#report = report
    this.#points = points
    this.lastSeq = start.size
    this.#intervalStart = start.size + 1
    this.#head = latin1(start.head)
    this.#previousStored = start.head
    this.#lastStored = start.head
  }

  visit(row: AuditRow): void {
    this.records++
    const seq = row.seq
    const expected = this.lastSeq + 1
    if (!Number.isSafeInteger(seq) || seq < expected) {
      if (!this.#previousBackwards) {
        this.#problem(
          expected,
          'seq-gap',
          `row seq ${seq} follows row seq ${this.lastSeq}: rows repeat or go backwards`,
        )
      }
      this.#previousBackwards = true
      this.#intervalFlagged = true
      this.#previousStored = undefined
      return
    }
    this.#previousBackwards = false
    const gap = seq !== expected
    // Checkpoints inside a missing range cannot be checked: the gap is their explanation.
    while (this.#pointBefore(seq)) this.#passPoint(gap && this.#nextPointSize() >= expected)
    if (gap) {
      this.#problem(
        expected,
        'seq-gap',
        seq === expected + 1
          ? `seq ${expected} is missing`
          : `seq ${expected}..${seq - 1} are missing`,
      )
      this.#intervalFlagged = true
    }

    const bytes = row.recordBytes
    const span = this.#timeSpan
    let memberSeq = scanCanonicalRecord(bytes, span)
    let time: number | undefined
    let anomaly = gap
    if (memberSeq !== undefined) {
      time = span.start < 0 ? undefined : isoMillis(bytes, span.start, span.end)
    } else {
      const read = readRecordSeq(bytes)
      if (typeof read === 'string') {
        this.#problem(seq, 'record-invalid', `record ${seq} ${read}`)
        anomaly = true
      } else {
        memberSeq = read.seq
        time =
          read.time === undefined
            ? undefined
            : isoMillis(Buffer.from(read.time, 'latin1'), 0, read.time.length)
      }
    }
    if (memberSeq !== undefined) {
      const offset = memberSeq - seq
      if (offset !== 0) {
        if (offset !== this.#previousOffset) {
          this.#problem(
            seq,
            'record-seq-mismatch',
            `row ${seq} holds the record of seq ${memberSeq}: rows were moved, inserted or deleted`,
          )
        }
        anomaly = true
      }
      this.#previousOffset = offset
    }

    const leaf = row.leafHash ?? leafHashLatin1(bytes)
    this.#head = link(this.#head, seq, leaf)
    const stored = row.entryHash
    const previousStored = this.#previousStored
    const inSync = sameHash(stored, this.#head)
    if (!anomaly && previousStored !== undefined) {
      const linked = this.#previousInSync
        ? inSync
        : sameHash(stored, link(latin1(previousStored), seq, leaf))
      if (!linked) {
        this.#problem(
          seq,
          'entry-hash-mismatch',
          `record ${seq} does not match its stored entry hash: it was edited without re-hashing`,
        )
        anomaly = true
      }
    }
    if (anomaly) this.#intervalFlagged = true
    // A record that is not what was signed has no time to judge.
    else this.#checkTime(seq, time)
    // Only a 32-byte stored hash can vouch for the next link (and be hashed into it).
    this.#previousStored = anomaly || stored.length !== HASH_SIZE ? undefined : stored
    this.#previousInSync = inSync
    this.#lastStored = stored
    this.lastSeq = seq
    while (this.#pointBefore(seq + 1)) this.#passPoint(false)
  }

  finish(headSize: number | undefined, headHash: Uint8Array | undefined): void {
    while (this.#pointBefore(this.lastSeq + 1)) this.#passPoint(false)
    // The unsigned tail: no checkpoint vouches for it, its times are judged as they are.
    if (this.#intervalTimeProblem !== undefined) this.#report.add(this.#intervalTimeProblem)
    const largest = this.#points.at(-1)
    if (largest !== undefined && largest.size > this.lastSeq) {
      this.#report.add({
        seq: this.lastSeq + 1,
        checkpoint: largest.index,
        kind: 'truncated',
        message: `rows end at seq ${this.lastSeq} but checkpoint #${largest.index} signs size ${largest.size}: seq ${this.lastSeq + 1}..${largest.size} are missing`,
      })
    }
    if (headSize !== undefined && headSize !== this.lastSeq) {
      this.#report.add({
        seq:
          (Number.isSafeInteger(headSize) && headSize >= 0 && headSize < this.lastSeq
            ? headSize
            : this.lastSeq) + 1,
        checkpoint: undefined,
        kind: 'head-mismatch',
        message: `the chain head claims size ${headSize} but the rows end at seq ${this.lastSeq}`,
      })
    } else if (headHash !== undefined && !Buffer.from(headHash).equals(this.#lastStored)) {
      this.#report.add({
        seq: this.lastSeq === 0 ? undefined : this.lastSeq,
        checkpoint: undefined,
        kind: 'head-mismatch',
        message: `the chain head claims another hash than the entry hash of the last row (seq ${this.lastSeq})`,
      })
    }
  }

  #nextPointSize(): number {
    return this.#points[this.#nextPoint]?.size ?? Number.POSITIVE_INFINITY
  }

  #pointBefore(seq: number): boolean {
    const point = this.#points[this.#nextPoint]
    return point !== undefined && point.size < seq
  }

  /** Checks the next checkpoint against the recomputed head, then continues from its head. */
  #passPoint(flagged: boolean): void {
    const point = this.#points[this.#nextPoint++] as SignedPoint
    const mismatched = this.#head !== point.head
    if (mismatched) {
      if (!flagged && !this.#intervalFlagged) {
        const start = this.#intervalStart
        this.#report.add({
          seq: point.size === 0 ? undefined : Math.min(start, point.size),
          checkpoint: point.index,
          kind: 'checkpoint-mismatch',
          message:
            point.size === 0
              ? `checkpoint #${point.index} of size 0 does not sign this origin's genesis hash`
              : start > point.size
                ? `checkpoint #${point.index} signs another head for size ${point.size} than the checkpoint before it (a fork)`
                : `checkpoint #${point.index} (size ${point.size}) does not match the records: seq ${start}..${point.size} were changed after signing, hashes recomputed`,
        })
      }
      this.#head = point.head
      this.#previousInSync =
        this.#previousStored !== undefined && sameHash(this.#previousStored, point.head)
    }
    this.#passTimes(point, !mismatched && !flagged && !this.#intervalFlagged)
    this.#intervalStart = point.size + 1
    this.#intervalFlagged = false
  }

  /**
   * At a checkpoint: when it vouches for the interval's records (`verified`), their times count
   * and the interval's time problem is named; then the checkpoint may not be timed before any
   * record it covers, and the records after it not long before it.
   */
  #passTimes(point: SignedPoint, verified: boolean): void {
    if (verified) {
      if (this.#intervalTimeProblem !== undefined) this.#report.add(this.#intervalTimeProblem)
      if (this.#intervalLatestTime > this.#latest.time) {
        this.#latest = {
          time: this.#intervalLatestTime,
          seq: this.#intervalLatestSeq,
          named: false,
        }
      }
    }
    this.#intervalTimeProblem = undefined
    this.#intervalLatestTime = Number.NEGATIVE_INFINITY
    // A note out of order is named already; its time says nothing more.
    if (!point.ordered) return
    const time = point.time.getTime()
    const latest = this.#latest
    if (time < latest.time && !latest.named) {
      latest.named = true
      this.#report.add({
        seq: latest.seq,
        checkpoint: point.index,
        kind: 'record-time',
        message: `checkpoint #${point.index} (size ${point.size}) is timed ${point.time.toISOString()}, before record ${latest.seq} it covers (${new Date(latest.time).toISOString()})`,
      })
    }
    if (time > this.#floorTime) {
      this.#floorTime = time
      this.#floorPoint = point.index
    }
  }

  /**
   * A record may be timed at most {@link AUDIT_TIME_TOLERANCE_MS} before the checkpoints that
   * precede it: a report's window ends at the first checkpoint timed that long after it, and
   * must hold every record timed inside it.
   */
  #checkTime(seq: number, time: number | undefined): void {
    const problem = (message: string) => {
      this.#intervalTimeProblem ??= { seq, checkpoint: undefined, kind: 'record-time', message }
    }
    if (time === undefined) {
      problem(`record ${seq} has no time written YYYY-MM-DDTHH:MM:SS.sssZ`)
      return
    }
    if (time < this.#floorTime - AUDIT_TIME_TOLERANCE_MS) {
      problem(
        `record ${seq} is timed ${new Date(time).toISOString()}, more than ${AUDIT_TIME_TOLERANCE_MS / 1000} s before checkpoint #${this.#floorPoint} (${new Date(this.#floorTime).toISOString()}) that precedes it in the chain`,
      )
    }
    if (time > this.#intervalLatestTime) {
      this.#intervalLatestTime = time
      this.#intervalLatestSeq = seq
    }
  }

  #problem(seq: number, kind: AuditProblemKind, message: string): void {
    this.#report.add({ seq, checkpoint: undefined, kind, message })
  }
}

/** The chain link over a leaf hash held either way: computed here (latin1) or handed over. */
function link(previous: string, seq: number, leaf: string | Uint8Array): string {
  return typeof leaf === 'string'
    ? chainHashLatin1(previous, seq, leaf)
    : chainHashLatin1Leaf(previous, seq, leaf)
}
