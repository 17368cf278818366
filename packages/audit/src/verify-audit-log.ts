import type { AuditProblem, MAX_REPORTED_PROBLEMS } from './audit-problem.js'
import type { AuditRow } from './audit-row.js'
import type { AUDIT_TIME_TOLERANCE_MS } from './audit-time-tolerance.js'
import type { CheckpointVerifierKey } from './checkpoint.js'
import { checkpointKeyId } from './checkpoint-key-id.js'
import { ChainWalk } from './internal/chain-walk.js'
import { checkAnchor } from './internal/check-anchor.js'
import { checkNotes } from './internal/check-notes.js'
import { checkWindow, windowPoints } from './internal/check-window.js'
import { ProblemList } from './internal/problem-list.js'

/** What {@link verifyAuditLog} checks. */
export interface VerifyAuditLogInput {
  /** The log's origin: it seeds `h_0` and must be the origin of every checkpoint. */
  origin: string
  /**
   * The rows in ascending seq order, as stored. A synchronous iterable is read fastest, in one
   * go without yielding to the event loop; an async one (pages from the store) lets a server go
   * on serving while it verifies; {@link AuditRowPages} a page per turn, as a reader on another
   * thread hands them over.
   */
  rows: Iterable<AuditRow> | AsyncIterable<AuditRow> | AuditRowPages
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
   * up to the one it starts at: the earlier ones may be left out.
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
  /**
   * A checkpoint note of this log kept outside its database (`latch audit verify --anchor`), as
   * saved (a missing or extra final newline is fine). The log must hold it among `notes`: a log
   * that ends before its size was rolled back (`truncated`), one that reaches it without holding
   * it was rewritten (`checkpoint-mismatch`), and a note that is not a valid checkpoint of this
   * log under `key` is `checkpoint-invalid`; each named `anchor: …`, without a seq. Such a
   * problem is `firstBad` only when the log has no problem of its own.
   */
  anchor?: string
}

/** The rows in pages, as a reader on another thread hands them over (one turn per page). */
export interface AuditRowPages {
  readonly pages: AsyncIterable<readonly AuditRow[]>
}

/** Where a window of the chain starts: a checkpoint's size and the head it signs. */
export interface AuditWindowStart {
  /** The checkpoint's size: the window's first row is seq `size + 1`. */
  size: number
  /** `h_size` as the checkpoint signs it (32 bytes; the genesis hash for size 0). */
  headHash: Uint8Array
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
 *    may wait unsigned at most `maxUnsignedAgeMs` (else a `stale` warning);
 * 5. with an `anchor`, the log must hold that note, kept outside its database: this is what
 *    reveals a database restored from an older backup together with its own notes.
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
 * @throws AuditError `ERR_AUDIT_ARGUMENT_INVALID` if `key` is not an Ed25519 key with a valid
 *   name, or `from` or `to` is not a safe integer ≥ 0 (`from.headHash` not 32 bytes).
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
  const report = new ProblemList()
  const points = checkNotes(
    { origin: input.origin, notes: input.notes, key: input.key, fromSize: input.from?.size },
    report,
  )
  const window = checkWindow(input, points, report)
  const walk = new ChainWalk(window.start, windowPoints(points, window), report)
  const rows = input.rows
  const end = window.end
  // A synchronous source is read without yielding: a database cursor (better-sqlite3's
  // iterate()) must not see other statements run on its connection mid-read. The walk stops
  // once it has taken in `end`: a row after a gap at `end` is still read, so the gap is named
  // as the whole log's walk would name it.
  if ('pages' in rows) {
    pages: for await (const page of rows.pages) {
      for (const row of page) {
        if (walk.lastSeq >= end) break pages
        walk.visit(row)
      }
    }
  } else if (Symbol.iterator in rows) {
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
  if (input.anchor !== undefined) {
    const problem = checkAnchor(input.anchor, {
      origin: input.origin,
      lastSeq: walk.lastSeq,
      notes: input.notes,
      key: input.key,
    })
    if (problem !== undefined) report.add(problem, true)
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
