import type { CheckpointVerifierKey, FileReport } from '@latch/audit'
import type { AuditEventView } from '@latch/client'
import { AUDIT_HEADER, auditLine } from '../../audit-line.js'
import { printable } from '../../printable.js'
import { describeProblem } from './describe-problem.js'

/**
 * The body of a per-file report as text, escaped for a terminal: the window, the verified
 * stretch of chain, the file's records, the counts and the verifier's problems; no title and no
 * conclusion (one server's report concludes alone, a split file's two together).
 *
 * @param report the report and the key it trusted.
 * @param verifierKey that key in its text form.
 * @returns the lines.
 */
export function fileReportLines(
  report: FileReport & { key: CheckpointVerifierKey },
  verifierKey: string,
): string[] {
  const v = report.verification
  const n = (x: number) => x.toLocaleString('en-US')
  const bound = (b: FileReport['from']) =>
    b.time === undefined
      ? 'the start of the log'
      : `the checkpoint of ${n(b.size)} records signed ${b.time.toISOString()}`
  const out = [
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
  return out
}

/** The minter of a token as the report names it. */
function minterText(mintedBy: string): string {
  if (mintedBy === 'unknown') return 'someone unknown (minted before minters were recorded)'
  if (mintedBy === 'system') return 'system (the first admin token, admin.token on the server)'
  return printable(mintedBy)
}
