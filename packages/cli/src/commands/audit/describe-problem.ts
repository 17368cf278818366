import type { AuditProblem } from '@latch/audit'
import { printable } from '../../printable.js'

/**
 * One problem of the verifier as a line: where (record, checkpoint or the log), its kind and its
 * message, safe for a terminal (a record's text is the writer's choice).
 *
 * @param problem the problem, or `undefined` (printed `unknown`).
 * @returns `record 42: entry-hash-mismatch: …`.
 */
export function describeProblem(problem: AuditProblem | undefined): string {
  if (problem === undefined) return 'unknown'
  const where =
    problem.seq !== undefined
      ? `record ${problem.seq}`
      : problem.checkpoint !== undefined
        ? `checkpoint ${problem.checkpoint}`
        : 'log'
  return printable(`${where}: ${problem.kind}: ${problem.message}`)
}
