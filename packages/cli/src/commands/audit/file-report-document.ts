import type { CheckpointVerifierKey, FileReport } from '@latch/audit'

/**
 * The fields of a per-file report in its JSON document (`latch audit report --json`, one per
 * server with `--split`): the window, the verified stretch of chain, the counts and the records.
 *
 * @param report the report and the key it trusted.
 * @param verifierKey that key in its text form.
 * @returns the fields, in the order the document prints them.
 */
export function fileReportDocument(
  report: FileReport & { key: CheckpointVerifierKey },
  verifierKey: string,
) {
  const v = report.verification
  return {
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
  }
}
