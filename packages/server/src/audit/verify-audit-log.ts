import { isUtf8 } from 'node:buffer'
import { ServerError } from '../errors.js'
import { AUDIT_TIME_TOLERANCE_MS } from './audit-time-tolerance.js'
import { canonicalJson } from './canonical-json.js'
import { chainHashLatin1, genesisHash, leafHashLatin1 } from './chain-hash.js'
import {
  type Checkpoint,
  type CheckpointVerifierKey,
  checkpointKeyId,
  noteHash,
  verifyCheckpointNote,
} from './checkpoint-note.js'
import { type RecordTimeSpan, scanCanonicalRecord } from './scan-canonical-record.js'

/** One stored row of the audit chain. */
export interface AuditRow {
  /** The row's position, from 1. */
  seq: number
  /** The record's canonical JSON bytes, verbatim. */
  recordBytes: Uint8Array
  /** The stored `h_seq`. */
  entryHash: Uint8Array
}

/** What {@link verifyAuditLog} checks. */
export interface VerifyAuditLogInput {
  /** The log's origin: it seeds `h_0` and must be the origin of every checkpoint. */
  origin: string
  /**
   * The rows in ascending seq order, as stored. A synchronous iterable is read fastest, in one
   * go without yielding to the event loop; an async one (pages from the store) lets a server go
   * on serving while it verifies.
   */
  rows: Iterable<AuditRow> | AsyncIterable<AuditRow>
  /** The checkpoint notes in the order they were stored (oldest first). */
  notes: readonly string[]
  /** The trusted checkpoint key. */
  key: CheckpointVerifierKey
  /** The size the database's chain-head row claims, if known. */
  headSize?: number
  /**
   * The head hash the chain-head row (or an export's header) claims, if known: when the rows end
   * at `headSize` (or wherever they end, without `headSize`), the last row's stored entry hash
   * must be this one, else `head-mismatch`.
   */
  headHash?: Uint8Array
  /**
   * Verify only the rows after this checkpoint: `rows` start at seq `from.size + 1`, and the walk
   * starts from `from.headHash` instead of `h_0`. The start is trusted only because a valid note
   * in `notes` signs exactly this size and head (size 0 needs none: it must be the genesis hash);
   * otherwise the report names a `window-invalid` problem. Notes before it are still checked
   * (signature, origin, order) but no rows are needed for them, and `notes` may begin at any note
   * up to the anchor: the earlier ones may be left out.
   */
  from?: AuditWindowStart
  /**
   * The last seq to verify: it must be the size of a valid note (else `window-invalid`). Rows
   * after it are not read. Notes after it are still checked (signature, origin, order), but the
   * rows need not reach them, and `headSize`/`headHash` are not compared.
   */
  to?: number
  /** The time the freshness verdict is taken at; default now. */
  now?: Date
  /** How old the last checkpoint may be while records wait unsigned; default 120 s (2 × 60 s). */
  maxUnsignedAgeMs?: number
}

/** Where a window of the chain starts: a checkpoint's size and the head it signs. */
export interface AuditWindowStart {
  /** The checkpoint's size: the window's first row is seq `size + 1`. */
  size: number
  /** `h_size` as the checkpoint signs it (32 bytes; the genesis hash for size 0). */
  headHash: Uint8Array
}

/**
 * The kinds of problem the verifier names:
 *
 * - `checkpoint-invalid`: a note that does not parse, is signed by another key, does not verify,
 *   or has another origin.
 * - `checkpoint-order`: a valid note whose `prev` is not the hash of the note stored before it,
 *   or whose size or time goes backwards (a note was removed, inserted or reordered).
 * - `checkpoint-mismatch`: the chain recomputed from the stored records does not reach the head
 *   a valid note signs: records were changed after signing, hashes recomputed.
 * - `seq-gap`: row seqs are not contiguous from 1 (a row deleted, repeated or out of order).
 * - `record-invalid`: record bytes that are not a canonical JSON object with an integer `seq`.
 * - `record-seq-mismatch`: a record whose `seq` member is not its row's seq (rows moved).
 * - `entry-hash-mismatch`: a stored entry hash that does not link the record to the row before
 *   it (a record edited without re-hashing).
 * - `truncated`: rows end before the size a valid checkpoint signs.
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

/** The verifier's report (the `validate-logs` shape: counts, covered range, per-item verdicts). */
export interface AuditVerifyReport {
  /** `false` if there is any problem other than `stale`. */
  ok: boolean
  /** Rows read. */
  records: number
  /** The first seq of the window verified: 1, or `from.size + 1`. */
  firstSeq: number
  /** The last seq the walk took in (`firstSeq - 1` when no row was read). */
  lastSeq: number
  /** Notes that parse, verify under the key and carry the right origin. */
  checkpoints: number
  /** The largest size a valid checkpoint signs: the last one's, in a well-ordered log. */
  signedSize: number
  /** Records after `signedSize`. */
  unsignedRecords: number
  /** The time of the latest valid checkpoint. */
  lastCheckpointTime: Date | undefined
  /**
   * The earliest problem other than `stale`: problems of the notes alone first (they undermine
   * everything after them), then by seq.
   */
  firstBad: AuditProblem | undefined
  /** The first {@link MAX_REPORTED_PROBLEMS} problems found. */
  problems: AuditProblem[]
  /** Wall time of the verification. */
  millis: number
}

/** How many problems a report lists; `firstBad` and `ok` still account for all of them. */
export const MAX_REPORTED_PROBLEMS = 100

const HASH_SIZE = 32
const DEFAULT_MAX_UNSIGNED_AGE_MS = 2 * 60_000

/**
 * Verifies an audit chain against its signed checkpoints, the way CloudTrail's `validate-logs`
 * verifies digests:
 *
 * 1. every note must verify under `key`, carry `origin`, chain to the note stored before it
 *    (`prev`), and never go back in size or time;
 * 2. the rows are read once: seqs contiguous from 1; each record a canonical JSON object whose
 *    `seq` is its row's; each stored entry hash linking it to the row before; and the chain
 *    recomputed from `h_0` must reach every checkpoint's signed head. A mismatch there can only
 *    come from records changed inside the interval since the previous checkpoint, which the
 *    problem names. After a checkpoint the walk continues from the signed head, so every
 *    interval gets its own verdict and one break is not reported again at every later check;
 * 3. every record's time must lie at most {@link AUDIT_TIME_TOLERANCE_MS} before the time of the
 *    checkpoints that precede it, and no checkpoint may be timed before a record it covers;
 * 4. the rows must reach the largest signed size and the chain head's claimed size, and records
 *    may wait unsigned at most `maxUnsignedAgeMs` (else a `stale` warning).
 *
 * Records after the last checkpoint are only as trustworthy as the database: the freshness
 * verdict bounds that window.
 *
 * With `from` and `to` it verifies one window of the chain, from one checkpoint to a later one:
 * the walk starts from the head `from` signs, as the whole log's walk does after passing that
 * checkpoint, so a window's verdict on its rows is the one the whole log's walk gives them.
 *
 * @param input the log, its notes and the trusted key; optionally the window to verify.
 * @returns the report; `ok` is the verdict.
 * @throws ServerError `ERR_INTERNAL` if `key` is not an Ed25519 key with a valid name;
 *   `ERR_REQUEST_INVALID` if `from` or `to` is not a safe integer ≥ 0 (`from.headHash` not 32
 *   bytes).
 * @example
 * const report = await verifyAuditLog({ origin, rows: store.auditRows(), notes, key })
 * if (!report.ok) console.error(report.firstBad?.message)
 * // The records between two checkpoints (the rows after `from.size`, up to `to`):
 * const window = await verifyAuditLog({
 *   origin, rows: store.iterateAudit(a.size), notes, key,
 *   from: { size: a.size, headHash: a.headHash }, to: b.size,
 * })
 */
export async function verifyAuditLog(input: VerifyAuditLogInput): Promise<AuditVerifyReport> {
  const started = performance.now()
  checkpointKeyId(input.key.name, input.key.publicKey)
  const report = new Report()
  const points = checkNotes(input, report)
  const window = checkWindow(input, points, report)
  const walk = new ChainWalk(window.start, windowPoints(points, window), report)
  const rows = input.rows
  const end = window.end
  // A synchronous source is read without yielding: a database cursor (better-sqlite3's
  // iterate()) must not see other statements run on its connection mid-read. The walk stops
  // once it has taken in `end`: a row after a gap at `end` is still read, so the gap is named
  // as the whole log's walk would name it.
  if (Symbol.iterator in rows) {
    for (const row of rows) {
      if (walk.lastSeq >= end) break
      walk.visit(row)
    }
  } else {
    for await (const row of rows) {
      if (walk.lastSeq >= end) break
      walk.visit(row)
    }
  }
  if (input.to === undefined) walk.finish(input.headSize, input.headHash)
  else walk.finish(undefined, undefined)

  const signedSize = points.reduce((max, p) => Math.max(max, p.size), 0)
  const unsignedRecords = Math.max(0, walk.lastSeq - signedSize)
  const lastCheckpointTime = points.reduce<Date | undefined>(
    (latest, p) => (latest === undefined || p.time > latest ? p.time : latest),
    undefined,
  )
  const now = input.now ?? new Date()
  const maxAge = input.maxUnsignedAgeMs ?? DEFAULT_MAX_UNSIGNED_AGE_MS
  if (unsignedRecords > 0) {
    const age =
      lastCheckpointTime === undefined ? Infinity : now.getTime() - lastCheckpointTime.getTime()
    if (age > maxAge) {
      const last = points.at(-1)
      report.add({
        seq: signedSize + 1,
        checkpoint: last?.index,
        kind: 'stale',
        message:
          lastCheckpointTime === undefined
            ? `${unsignedRecords} records and no valid checkpoint: they could be changed or dropped undetected`
            : `${unsignedRecords} records after seq ${signedSize} are unsigned and the last checkpoint is ${Math.round(age / 1000)} s old (bound ${Math.round(maxAge / 1000)} s): they could be changed or dropped undetected`,
      })
    }
  }
  return {
    ok: report.ok,
    records: walk.records,
    firstSeq: window.start.size + 1,
    lastSeq: walk.lastSeq,
    checkpoints: points.length,
    signedSize,
    unsignedRecords,
    lastCheckpointTime,
    firstBad: report.firstBad,
    problems: report.problems,
    millis: performance.now() - started,
  }
}

/** A valid checkpoint, as the row walk uses it. */
interface SignedPoint {
  index: number
  size: number
  /** The signed head as a latin1 string, the walk's form of a hash. */
  head: string
  time: Date
  /** No `checkpoint-order` problem was named for it: its time can be judged against records. */
  ordered: boolean
}

class Report {
  ok = true
  firstBad: AuditProblem | undefined
  readonly problems: AuditProblem[] = []

  add(problem: AuditProblem): void {
    if (this.problems.length < MAX_REPORTED_PROBLEMS) this.problems.push(problem)
    if (problem.kind === 'stale') return
    this.ok = false
    if (this.firstBad === undefined || rank(problem) < rank(this.firstBad)) this.firstBad = problem
  }
}

function rank(problem: AuditProblem): number {
  return problem.seq ?? -1
}

// --- Checkpoint notes ---

function checkNotes(input: VerifyAuditLogInput, report: Report): SignedPoint[] {
  // A window's trust rests on its anchor note alone, so the notes before it may be left out.
  const partial = input.from !== undefined && input.from.size > 0
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
      if (!(error instanceof ServerError) || error.code !== 'ERR_AUDIT_CHECKPOINT_INVALID') {
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

// --- Window ---

interface Window {
  /** Where the walk starts: after `size` rows, from `head`. */
  start: { size: number; head: Uint8Array }
  /** Whether a valid note (or the genesis) vouches for the start. */
  anchored: boolean
  /** The last seq to read. */
  end: number
}

/** Checks that `from` and `to` are anchored by valid notes (or the genesis), naming them if not. */
function checkWindow(
  input: VerifyAuditLogInput,
  points: readonly SignedPoint[],
  report: Report,
): Window {
  const { from, to } = input
  const problem = (message: string) =>
    report.add({ seq: undefined, checkpoint: undefined, kind: 'window-invalid', message })
  let start = { size: 0, head: genesisHash(input.origin) as Uint8Array }
  let anchored = true
  if (from !== undefined) {
    if (!isSize(from.size) || from.headHash?.length !== HASH_SIZE) {
      throw new ServerError(
        'ERR_REQUEST_INVALID',
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
    throw new ServerError('ERR_REQUEST_INVALID', 'to must be a size (safe integer ≥ 0)')
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
function windowPoints(points: readonly SignedPoint[], window: Window): SignedPoint[] {
  const first = window.anchored ? window.start.size : window.start.size + 1
  return points.filter((p) => p.size >= first && p.size <= window.end)
}

function isSize(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}

// --- Rows ---

/**
 * One pass over the rows. Per row at most one problem is named, and a problem that is only the
 * echo of an earlier one is not: the row after a gap or a moved row is not hash-checked, a run
 * of rows moved by the same offset is named once, and a checkpoint whose interval already has a
 * problem is not reported again.
 */
class ChainWalk {
  records = 0
  /** The seq of the last row taken into the chain. */
  lastSeq = 0
  readonly #report: Report
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
    report: Report,
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

    const leaf = leafHashLatin1(bytes)
    this.#head = chainHashLatin1(this.#head, seq, leaf)
    const stored = row.entryHash
    const previousStored = this.#previousStored
    const inSync = sameHash(stored, this.#head)
    if (!anomaly && previousStored !== undefined) {
      const linked = this.#previousInSync
        ? inSync
        : sameHash(stored, chainHashLatin1(latin1(previousStored), seq, leaf))
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

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

function sameHash(bytes: Uint8Array, hash: string): boolean {
  if (bytes.length !== HASH_SIZE) return false
  for (let i = 0; i < HASH_SIZE; i++) {
    if (bytes[i] !== hash.charCodeAt(i)) return false
  }
  return true
}

/**
 * The reference record check: the record's `seq` member and its `time` string if it has one, or
 * why the record is invalid.
 */
function readRecordSeq(bytes: Uint8Array): { seq: number; time: string | undefined } | string {
  if (!isUtf8(bytes)) return 'is not UTF-8'
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return 'is not JSON'
  }
  let canonical: string
  try {
    canonical = canonicalJson(value as never)
  } catch {
    return 'holds a value outside canonical JSON (a float, or nesting too deep)'
  }
  if (canonical !== text) return 'is not in canonical JSON form (RFC 8785)'
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'is not a JSON object'
  }
  const { seq, time } = value as { seq?: unknown; time?: unknown }
  if (typeof seq !== 'number') return 'has no integer seq member'
  return { seq, time: typeof time === 'string' ? time : undefined }
}

// Days before each month of a non-leap year, and in each month.
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * The time in `bytes[start, start + 24)` when it is written exactly as the stores write it,
 * `YYYY-MM-DDTHH:MM:SS.sssZ` with valid fields, in milliseconds since the epoch (what
 * `Date.parse` gives it); else `undefined`. Read in place, allocating nothing: the verifier reads
 * every record.
 */
function isoMillis(bytes: Uint8Array, start: number, end: number): number | undefined {
  if (
    end - start !== 24 ||
    bytes[start + 4] !== 0x2d || // -
    bytes[start + 7] !== 0x2d ||
    bytes[start + 10] !== 0x54 || // T
    bytes[start + 13] !== 0x3a || // :
    bytes[start + 16] !== 0x3a ||
    bytes[start + 19] !== 0x2e || // .
    bytes[start + 23] !== 0x5a // Z
  ) {
    return undefined
  }
  const year = digitsAt(bytes, start, 4)
  const month = digitsAt(bytes, start + 5, 2)
  const day = digitsAt(bytes, start + 8, 2)
  const hour = digitsAt(bytes, start + 11, 2)
  const minute = digitsAt(bytes, start + 14, 2)
  const second = digitsAt(bytes, start + 17, 2)
  const ms = digitsAt(bytes, start + 20, 3)
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined
  if (minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return undefined
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const extra = month > 2 && leap ? 1 : 0
  if (day > (DAYS_IN_MONTH[month - 1] as number) + (month === 2 && leap ? 1 : 0)) return undefined
  // Days from 1970-01-01 to the first of the year (proleptic Gregorian: 477 leap days before
  // 1970), then into it.
  const y = year - 1
  const days =
    365 * (year - 1970) +
    (Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) - 477) +
    (DAYS_BEFORE_MONTH[month - 1] as number) +
    extra +
    day -
    1
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms
}

/** The decimal value of `n` ASCII digits at `at`, or -1 if one is not a digit. */
function digitsAt(bytes: Uint8Array, at: number, n: number): number {
  let value = 0
  for (let i = at; i < at + n; i++) {
    const d = (bytes[i] as number) - 0x30
    if (d < 0 || d > 9) return -1
    value = value * 10 + d
  }
  return value
}
