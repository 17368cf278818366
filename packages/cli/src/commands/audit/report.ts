import { formatVerifierKey, parseVerifierKey } from '@latch/audit'
import { Command } from 'commander'
import { keyServerFor } from '../../config.js'
import { CliError } from '../../errors.js'
import type { Io } from '../../io.js'
import { parseTime } from '../../parse-expiry.js'
import { resolvePolicyId } from '../policy.js'
import { describeProblem } from './describe-problem.js'
import { fetchFileReport } from './fetch-file-report.js'
import { printFileReport } from './print-file-report.js'

interface ReportOptions {
  since?: string
  until?: string
  key?: string
  json?: boolean
}

/**
 * `latch audit report POLICY [--since T] [--until T] [--key VKEY] [--json]`: who asked for a
 * file's key in a window and what they got, from the chain verified between two signed
 * checkpoints around it (admins). Exit 65 when the chain does not verify over the window.
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
    .option('--key <vkey>', 'pin the checkpoint key (name+keyid+key, from GET /v1/audit/key)')
    .option('--json', 'one JSON document')
    .action(async (ref: string, options: ReportOptions) => {
      const client = keyServerFor(io)
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
      const pinned = options.key === undefined ? undefined : parseVerifierKey(options.key)
      const report = await fetchFileReport(client, { policyId, since, until }, pinned, io)
      printFileReport(report, formatVerifierKey(report.key), io, options.json === true)
      if (!report.verification.ok) {
        throw new CliError(
          'ERR_CLI_AUDIT_INVALID',
          `the audit log does not verify over the window: ${describeProblem(report.verification.firstBad)}`,
        )
      }
    })
}
