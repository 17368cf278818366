import { type CheckpointVerifierKey, formatVerifierKey, parseVerifierKey } from '@latch/audit'
import { Command } from 'commander'
import { keyServerFor, splitServersFor } from '../../config.js'
import { CliError } from '../../errors.js'
import type { Io } from '../../io.js'
import { parseTime } from '../../parse-expiry.js'
import { resolvePolicyId } from '../policy.js'
import { describeProblem } from './describe-problem.js'
import { fetchFileReport } from './fetch-file-report.js'
import { fetchSplitReport } from './fetch-split-report.js'
import { printFileReport } from './print-file-report.js'
import { printSplitReport } from './print-split-report.js'

interface ReportOptions {
  since?: string
  until?: string
  key: string[]
  split?: string
  json?: boolean
}

/**
 * `latch audit report POLICY [--since T] [--until T] [--key VKEY] [--split URL1,URL2] [--json]`:
 * who asked for a file's key in a window and what they got, from the chain verified between two
 * signed checkpoints around it (admins). With `--split` (or `LATCH_SPLIT`), the report of each
 * key server of a split file, each verified against its own checkpoints and key (`--key` twice
 * pins both, in server order), and one conclusion over both. Exit 65 when a chain does not
 * verify over the window.
 *
 * @param io where to print.
 * @returns the `report` subcommand.
 */
export function reportCommand(io: Io): Command {
  return new Command('report')
    .description(
      "the document that shows who obtained a file's key in a window: the chain verified between two signed checkpoints around it, every key request and policy change (admin)",
    )
    .argument('<policy>', 'a policy id or s3://BUCKET/KEY')
    .option(
      '--since <time>',
      'start of the window: 2h, 7d (ago) or an ISO 8601 time (default: the start of the log)',
    )
    .option('--until <time>', 'end of the window (default: now)')
    .option(
      '--key <vkey>',
      'pin the checkpoint key (name+keyid+key, from GET /v1/audit/key); with --split, once per server, in their order',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--split <urls>',
      'report on both key servers of a split file, URL1,URL2, admin on each (default: LATCH_SPLIT)',
    )
    .option('--json', 'one JSON document')
    .action(async (ref: string, options: ReportOptions) => {
      const split = splitServersFor(io, options.split)
      const wanted = split === undefined ? 1 : 2
      if (options.key.length > wanted || (split !== undefined && options.key.length === 1)) {
        throw new CliError(
          'ERR_CLI_USAGE',
          split === undefined
            ? '--key is given once (twice only with --split, one per key server)'
            : '--key is given twice with --split, one per key server in their order, or not at all',
        )
      }
      const pinned = options.key.map((key) => parseVerifierKey(key))
      const policyId = await resolvePolicyId(ref, io)
      const now = Date.now()
      const since =
        options.since === undefined ? new Date(0) : parseTime(options.since, '--since', 'past', now)
      const until =
        options.until === undefined
          ? new Date(now)
          : parseTime(options.until, '--until', 'past', now)
      if (until.getTime() > now) throw new CliError('ERR_CLI_USAGE', '--until is in the future')
      if (until.getTime() <= since.getTime()) {
        throw new CliError('ERR_CLI_USAGE', '--until must be after --since')
      }
      const window = { policyId, since, until }
      if (split !== undefined) {
        const pins =
          pinned.length === 2
            ? (pinned as [CheckpointVerifierKey, CheckpointVerifierKey])
            : undefined
        const reports = await fetchSplitReport(split, window, pins, io)
        printSplitReport(reports, io, options.json === true)
        const bad = reports.filter((r) => !r.report.verification.ok)
        if (bad.length > 0) {
          throw new CliError(
            'ERR_CLI_AUDIT_INVALID',
            `the audit log does not verify over the window on ${bad
              .map((r) => `${r.server}: ${describeProblem(r.report.verification.firstBad)}`)
              .join('; ')}`,
          )
        }
        return
      }
      const report = await fetchFileReport(keyServerFor(io), window, pinned[0], io)
      printFileReport(report, formatVerifierKey(report.key), io, options.json === true)
      if (!report.verification.ok) {
        throw new CliError(
          'ERR_CLI_AUDIT_INVALID',
          `the audit log does not verify over the window: ${describeProblem(report.verification.firstBad)}`,
        )
      }
    })
}
