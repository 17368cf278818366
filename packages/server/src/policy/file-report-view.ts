import { type FileReport, fileReportConclusion } from '@latch/audit'
import type { AuditEventView, FileReportView } from '@latch/protocol'

/**
 * A per-file report as the API shows it (`FileReportView`): what `latch audit report --json`
 * prints, grouped, with the conclusion the CLI prints.
 *
 * @param report the report of `buildFileReport`.
 * @returns the view; its events are the records as stored, members in canonical order.
 */
export function fileReportView(report: FileReport): FileReportView {
  const v = report.verification
  const conclusion = fileReportConclusion(report)
  return {
    policyId: report.policyId,
    window: { since: report.since.toISOString(), until: report.until.toISOString() },
    chain: {
      verified: v.ok,
      firstSeq: v.firstSeq,
      lastSeq: v.lastSeq,
      records: v.records,
      from: { size: report.from.size, signedAt: report.from.time?.toISOString() ?? null },
      to:
        report.to.time === undefined
          ? null
          : { size: report.to.size, signedAt: report.to.time.toISOString() },
      unsignedTail: report.unsignedTail,
      checkpoints: v.checkpoints,
      problems: v.problems.map((p) => ({
        seq: p.seq ?? null,
        checkpoint: p.checkpoint ?? null,
        kind: p.kind,
        message: p.message,
      })),
    },
    conclusion: { verdict: conclusion.verdict, text: conclusion.text },
    releases: {
      count: report.releases,
      byRecipient: { ...report.releasedTo },
      foreignToken: report.foreignTokenReleases.map((f) => ({
        recipient: f.recipient,
        mintedBy: f.mintedBy,
        releases: f.releases,
        seqs: [...f.seqs],
      })),
    },
    denials: { count: report.denials, byReason: { ...report.denialReasons } },
    changes: { count: report.policyChanges },
    events: report.events as unknown as AuditEventView[],
  }
}
