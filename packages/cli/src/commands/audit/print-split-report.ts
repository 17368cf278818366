import { formatVerifierKey, splitReportConclusion } from '@latch/audit'
import type { Io } from '../../io.js'
import { printable } from '../../printable.js'
import type { SplitServerFileReport } from './fetch-split-report.js'
import { fileReportDocument } from './file-report-document.js'
import { fileReportLines } from './file-report-lines.js'

/**
 * Prints the report of a file split across two key servers: each server's report under a heading
 * naming its URL and kas id, then one conclusion over both (the key needs a share from each, see
 * `splitReportConclusion`); with `json`, one versioned document
 * `{ v: 1, policyId, servers: [{ server, kasId, …each report's fields }], conclusion }`.
 *
 * @param reports the report of each server, in server order.
 * @param io where to print.
 * @param json print one JSON document instead.
 */
export function printSplitReport(
  reports: readonly [SplitServerFileReport, SplitServerFileReport],
  io: Io,
  json: boolean,
): void {
  const conclusion = splitReportConclusion([
    { server: reports[0].server, report: reports[0].report },
    { server: reports[1].server, report: reports[1].report },
  ])
  if (json) {
    const document = {
      v: 1,
      policyId: reports[0].report.policyId,
      servers: reports.map(({ server, kasId, report }) => ({
        server,
        kasId,
        ...fileReportDocument(report, formatVerifierKey(report.key)),
      })),
      conclusion,
    }
    io.stdout.write(`${JSON.stringify(document)}\n`)
    return
  }
  const out = [
    `Audit report for policy ${reports[0].report.policyId}, split across two key servers (its key needs a share from each)`,
  ]
  for (const [i, { server, kasId, report }] of reports.entries()) {
    out.push(
      '',
      printable(`Key server ${i + 1} of 2: ${server} (kas id ${kasId})`),
      ...fileReportLines(report, formatVerifierKey(report.key)),
    )
  }
  out.push('', printable(conclusion.text))
  io.stdout.write(`${out.join('\n')}\n`)
}
