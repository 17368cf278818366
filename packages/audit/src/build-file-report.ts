import { AuditError } from './audit-error.js'
import type { AuditRow } from './audit-row.js'
import { AUDIT_TIME_TOLERANCE_MS } from './audit-time-tolerance.js'
import type { CheckpointVerifierKey } from './checkpoint.js'
import { fileReportBounds } from './file-report-bounds.js'
import { genesisHash } from './genesis-hash.js'
import { type AuditVerifyReport, verifyAuditLog } from './verify-audit-log.js'

/** What {@link buildFileReport} needs: the window, the trusted key, and a way to read the log. */
export interface FileReportInput {
  readonly policyId: string
  /** Start of the window (inclusive). */
  readonly since: Date
  /** End of the window (exclusive). */
  readonly until: Date
  readonly origin: string
  /** The trusted checkpoint key; every bound of the window is a note it signed. */
  readonly key: CheckpointVerifierKey
  /** Every checkpoint note, oldest first, as stored. */
  readonly notes: readonly string[]
  /** The rows with `after < seq ≤ upTo`, ascending. */
  readonly rows: (after: number, upTo: number) => AsyncIterable<AuditRow>
  /**
   * The chain head as the store claims it, read after `notes`. Given, a window that no
   * checkpoint covers yet (none signed `AUDIT_TIME_TOLERANCE_MS` after `until`) is reported up
   * to this head instead of refused, with `unsignedTail` set: its records after the last
   * checkpoint are only as trustworthy as the database that holds them.
   */
  readonly head?: { readonly size: number; readonly headHash: Uint8Array }
}

/**
 * One bound of the verified window: a signed checkpoint, the empty log's start, or (the end of a
 * report with `unsignedTail`) the chain head.
 */
export interface ReportBound {
  readonly size: number
  /**
   * The time the checkpoint signs; `undefined` for the start of the log, or for the chain head
   * no checkpoint signs yet.
   */
  readonly time: Date | undefined
}

/** An audit record as stored (see docs/audit-events.md). */
export type ReportEvent = { readonly seq: number; readonly time: string; readonly type: string } & {
  readonly [member: string]: unknown
}

/** The per-file report: the verified window and everything that touched the file in it. */
export interface FileReport {
  readonly policyId: string
  readonly since: Date
  readonly until: Date
  /** The checkpoints the verified stretch of chain runs between. */
  readonly from: ReportBound
  readonly to: ReportBound
  /**
   * No checkpoint is signed late enough after `until` yet: `to` is the chain head, and the
   * records after the last checkpoint are only as trustworthy as the database (a conclusion is
   * provisional until a checkpoint covers them).
   */
  readonly unsignedTail: boolean
  /** The chain's verdict over `from.size + 1 … to.size`. */
  readonly verification: AuditVerifyReport
  /** The file's records in the window, oldest first: key requests, policy changes, and the
   *  lockdown rules its denials name. */
  readonly events: ReportEvent[]
  readonly releases: number
  /** Key releases per recipient. */
  readonly releasedTo: Readonly<Record<string, number>>
  /**
   * The releases made with an API token someone other than its recipient minted (an admin who
   * created the user or recovered a lost token, `system` for the first admin's, `unknown` for a
   * token older than minter records), per recipient and minter, in chain order: the minter may
   * have kept a copy of the token, so these releases do not show that only the recipient
   * obtained the key.
   */
  readonly foreignTokenReleases: readonly ForeignTokenReleases[]
  readonly denials: number
  /** Denials per reason (`lockdown`, `revoked`, `not_reader`, …). */
  readonly denialReasons: Readonly<Record<string, number>>
  readonly policyChanges: number
}

/** Releases to one recipient made with tokens one other party minted. */
export interface ForeignTokenReleases {
  /** Who the key was released to (the record's `actor.email`). */
  readonly recipient: string
  /** Who minted the token (`actor.minted_by`). */
  readonly mintedBy: string
  readonly releases: number
  /** The `seq` of each release record. */
  readonly seqs: readonly number[]
}

/**
 * Builds the report a security team hands over for one file and a time window: the chain
 * verified between two signed checkpoints, then every record of the file inside the window, with
 * counts of releases and denials. The bounds rest on the times the stores guarantee (and the
 * verifier checks, `record-time`): a checkpoint is never timed before a record it covers, and a
 * record is timed at most `AUDIT_TIME_TOLERANCE_MS` before a checkpoint that precedes it. So the
 * chain starts at the last checkpoint timed before `since` (every record it covers is timed
 * before the window) and ends at the first timed at least `AUDIT_TIME_TOLERANCE_MS` after
 * `until` (every record timed before `until` precedes it). A report whose `verification.ok` is
 * false proves nothing.
 *
 * @param input the file's policy id, the window, the trusted key, the notes and the rows; with
 *   `head`, a window no checkpoint covers yet runs to the head (`unsignedTail`).
 * @returns the verified window and the file's records in it, counted.
 * @throws AuditError `ERR_AUDIT_CHECKPOINT_MISSING` when no checkpoint is timed late enough
 *   after `until` yet and no `head` is given (sign one and retry); `ERR_AUDIT_ARGUMENT_INVALID`
 *   when `until` is not after
 *   `since`, or the key is not an Ed25519 key with a valid name.
 * @example
 * const report = await buildFileReport({
 *   policyId, since, until, origin, key, notes,
 *   rows: (after, upTo) => store.iterateAudit(after, upTo),
 * })
 * if (report.verification.ok && report.releases === 0) console.log('nobody obtained the key')
 */
export async function buildFileReport(input: FileReportInput): Promise<FileReport> {
  const { since, until } = input
  if (until.getTime() <= since.getTime()) {
    throw new AuditError('ERR_AUDIT_ARGUMENT_INVALID', 'the window ends before it starts')
  }
  const bounds = fileReportBounds(input)
  const start = bounds.from
  const end: { size: number; time: Date | undefined } | undefined =
    bounds.to ?? (input.head === undefined ? undefined : { size: input.head.size, time: undefined })
  if (end === undefined) {
    throw new AuditError(
      'ERR_AUDIT_CHECKPOINT_MISSING',
      `no checkpoint signed ${AUDIT_TIME_TOLERANCE_MS / 1000} s after ${until.toISOString()} yet: sign one (POST /v1/audit/checkpoints) and retry`,
    )
  }
  const from = start ?? { size: 0, headHash: genesisHash(input.origin), time: undefined }
  const events: ReportEvent[] = []
  const ruleIds = new Set<string>()
  const rules: ReportEvent[] = []
  const inWindow = (time: string) => {
    const t = Date.parse(time)
    return t >= since.getTime() && t < until.getTime()
  }
  const rows = input.rows(from.size, end.size)
  async function* scanned(): AsyncIterable<AuditRow> {
    for await (const row of rows) {
      yield row
      // A cheap test first: most records are about other files.
      const text = Buffer.from(row.recordBytes).toString('utf8')
      if (!text.includes(input.policyId) && !text.includes('"lockdown.')) continue
      const record = JSON.parse(text) as ReportEvent
      if (record.type === 'lockdown.add' || record.type === 'lockdown.lift') {
        rules.push(record)
      } else if (record.policy_id === input.policyId && inWindow(record.time)) {
        events.push(record)
        for (const id of (record.lockdown_rules as string[] | undefined) ?? []) ruleIds.add(id)
      }
    }
  }
  const verification = await verifyAuditLog({
    origin: input.origin,
    rows: scanned(),
    notes: input.notes,
    key: input.key,
    from: { size: from.size, headHash: from.headHash },
    // Up to a signed checkpoint; else up to the head, which the rows must reach.
    ...(end.time !== undefined || input.head === undefined
      ? { to: end.size }
      : { headSize: input.head.size, headHash: input.head.headHash }),
  })
  const named = rules.filter((r) => ruleIds.has(r.rule_id as string))
  const all = [...events, ...named].sort((a, b) => a.seq - b.seq)
  const releasedTo: Record<string, number> = {}
  const denialReasons: Record<string, number> = {}
  const foreign = new Map<string, { recipient: string; mintedBy: string; seqs: number[] }>()
  for (const e of events) {
    const actor = e.actor as { email?: unknown; minted_by?: unknown } | undefined
    const email = typeof actor?.email === 'string' ? actor.email : 'unknown'
    if (e.type === 'key.release') {
      releasedTo[email] = (releasedTo[email] ?? 0) + 1
      if (actor?.minted_by !== undefined) {
        const mintedBy = typeof actor.minted_by === 'string' ? actor.minted_by : 'unknown'
        const key = JSON.stringify([email, mintedBy])
        const entry = foreign.get(key) ?? { recipient: email, mintedBy, seqs: [] }
        entry.seqs.push(e.seq)
        foreign.set(key, entry)
      }
    }
    if (e.type === 'key.release.denied') {
      const reason = String(e.reason)
      denialReasons[reason] = (denialReasons[reason] ?? 0) + 1
    }
  }
  return {
    policyId: input.policyId,
    since,
    until,
    from: { size: from.size, time: from.time },
    to: { size: end.size, time: end.time },
    unsignedTail: end.time === undefined,
    verification,
    events: all,
    releases: events.filter((e) => e.type === 'key.release').length,
    releasedTo,
    foreignTokenReleases: [...foreign.values()].map((f) => ({ ...f, releases: f.seqs.length })),
    denials: events.filter((e) => e.type === 'key.release.denied').length,
    denialReasons,
    policyChanges: events.filter((e) => e.type.startsWith('policy.')).length,
  }
}
