import { type CheckpointVerifierKey, type FileReport, fileReportConclusion } from '@latch/audit'
import type { AuditEventView } from '@latch/client'
import { AUDIT_HEADER, auditLine } from '../../audit-line.js'
import type { Io } from '../../io.js'
import { printable } from '../../printable.js'
import { describeProblem } from './describe-problem.js'

/**
 * Prints the per-file report: the window, the verified stretch of chain, the file's records, the
 * counts and a conclusion that never claims more than the log proves (a release made with a token
 * someone else minted may have reached them too); with `json`, one versioned document.
 *
 * @param report the report and the key it trusted.
 * @param verifierKey that key in its text form.
 * @param io where to print.
 * @param json print one JSON document instead.
 */
export function printFileReport(
  report: FileReport & { key: CheckpointVerifierKey },
  verifierKey: string,
  io: Io,
  json: boolean,
): void {
  const v = report.verification
  if (json) {
    io.stdout.write(
      `${JSON.stringify({
        v: 1,
        policyId: report.policyId,
        key: verifierKey,
        since: report.since.toISOString(),
        until: report.until.toISOString(),
        chain: {
          ok: v.ok,
          from: { size: report.from.size, signedAt: report.from.time?.toISOString() ?? null },
          to: { size: report.to.size, signedAt: report.to.time?.toISOString() ?? null },
          records: v.records,
          checkpoints: v.checkpoints,
          problems: v.problems,
        },
        releases: report.releases,
        releasedTo: report.releasedTo,
        foreignTokenReleases: report.foreignTokenReleases,
        denials: report.denials,
        denialReasons: report.denialReasons,
        policyChanges: report.policyChanges,
        events: report.events,
      })}\n`,
    )
    return
  }
  const n = (x: number) => x.toLocaleString('en-US')
  const bound = (b: FileReport['from']) =>
    b.time === undefined
      ? 'the start of the log'
      : `the checkpoint of ${n(b.size)} records signed ${b.time.toISOString()}`
  const out = [
    `Audit report for policy ${report.policyId}`,
    `Window: ${report.since.getTime() === 0 ? 'the start of the log' : report.since.toISOString()} to ${report.until.toISOString()}`,
    `Chain: ${v.ok ? 'verified' : 'DOES NOT VERIFY'} from ${bound(report.from)} to ${bound(report.to)}: ` +
      `records ${n(report.from.size + 1)}–${n(report.to.size)} (${n(v.records)}), signatures checked under ${printable(verifierKey)}`,
    '',
    AUDIT_HEADER,
    ...report.events.map((e) => auditLine(e as unknown as AuditEventView)),
    '',
    `Key releases: ${n(report.releases)}${
      Object.keys(report.releasedTo).length === 0
        ? ''
        : ` (${Object.entries(report.releasedTo)
            .map(([who, k]) => `${printable(who)} ${k}`)
            .join(', ')})`
    }`,
    ...report.foreignTokenReleases.map(
      (f) =>
        `  ${n(f.releases)} of ${printable(f.recipient)}'s releases used a token minted by ${minterText(f.mintedBy)}, who may have used it`,
    ),
    `Denied requests: ${n(report.denials)}${
      Object.keys(report.denialReasons).length === 0
        ? ''
        : ` (${Object.entries(report.denialReasons)
            .map(([why, k]) => `${printable(why)} ${k}`)
            .join(', ')})`
    }`,
    `Policy changes: ${n(report.policyChanges)}`,
  ]
  for (const problem of v.problems) out.push(`  ${describeProblem(problem)}`)
  out.push(printable(fileReportConclusion(report).text))
  io.stdout.write(`${out.join('\n')}\n`)
}

/** The minter of a token as the report names it. */
function minterText(mintedBy: string): string {
  if (mintedBy === 'unknown') return 'someone unknown (minted before minters were recorded)'
  if (mintedBy === 'system') return 'system (the first admin token, admin.token on the server)'
  return printable(mintedBy)
}
