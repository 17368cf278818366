import { type CheckpointVerifierKey, type FileReport, fileReportConclusion } from '@latch/audit'
import type { Io } from '../../io.js'
import { printable } from '../../printable.js'
import { fileReportDocument } from './file-report-document.js'
import { fileReportLines } from './file-report-lines.js'

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
  if (json) {
    io.stdout.write(`${JSON.stringify({ v: 1, ...fileReportDocument(report, verifierKey) })}\n`)
    return
  }
  const out = [
    `Audit report for policy ${report.policyId}`,
    ...fileReportLines(report, verifierKey),
    printable(fileReportConclusion(report).text),
  ]
  io.stdout.write(`${out.join('\n')}\n`)
}
