import { AUDIT_TIME_TOLERANCE_MS, formatVerifierKey } from '@latch/audit'
import type { Io } from '../../io.js'
import { printable } from '../../printable.js'
import { describeProblem } from './describe-problem.js'
import type { VerifiedLog } from './verified-log.js'

/**
 * Prints `latch audit verify`'s verdict: a summary line, each problem (`stale` as a warning on
 * stderr), and `OK`, `TAMPERED` or `INCONSISTENT TIMES` (when times are all that is wrong); with
 * `json`, one versioned document.
 *
 * @param log the verified log.
 * @param io where to print.
 * @param json print one JSON document instead.
 */
export function printVerification(log: VerifiedLog, io: Io, json: boolean): void {
  if (json) {
    io.stdout.write(
      `${JSON.stringify({
        v: 1,
        ok: log.ok,
        origin: log.origin,
        key: formatVerifierKey(log.key),
        records: log.records,
        checkpoints: log.checkpoints,
        signedSize: log.signedSize,
        unsignedRecords: log.unsignedRecords,
        lastCheckpointTime: log.lastCheckpointTime?.toISOString() ?? null,
        firstBad: log.firstBad ?? null,
        problems: log.problems,
        millis: log.millis,
      })}\n`,
    )
    return
  }
  const n = (x: number) => x.toLocaleString('en-US')
  io.stdout.write(
    `${printable(log.origin)}: ${n(log.records)} records, ${n(log.checkpoints)} signed checkpoint${log.checkpoints === 1 ? '' : 's'}, ` +
      `signed through ${n(log.signedSize)}, ${n(log.unsignedRecords)} unsigned ` +
      `(${n(Math.round(log.records / Math.max(log.millis / 1000, 0.001)))} records/s)\n`,
  )
  for (const problem of log.problems) {
    if (problem.kind === 'stale') io.stderr.write(`warning: ${printable(problem.message)}\n`)
    else io.stdout.write(`  ${describeProblem(problem)}\n`)
  }
  if (log.problems.some((p) => p.kind === 'record-time')) {
    io.stdout.write(
      `  record-time: record and checkpoint times that break the ${AUDIT_TIME_TOLERANCE_MS / 1000} s tolerance per-file reports bound their windows by (a record timed that long before a checkpoint before it, or a checkpoint timed before a record it covers); the key server never writes them: a database clock stepped back, notes not signed by the server, or records edited\n`,
    )
  }
  const timesOnly = log.problems.every((p) => p.kind === 'record-time' || p.kind === 'stale')
  io.stdout.write(
    log.ok
      ? `OK: every record and checkpoint verifies under ${printable(formatVerifierKey(log.key))}\n`
      : `${timesOnly ? 'INCONSISTENT TIMES' : 'TAMPERED'}: first bad ${describeProblem(log.firstBad)}\n`,
  )
}
