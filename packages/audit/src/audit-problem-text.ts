import type { AuditProblem } from './audit-problem.js'

/**
 * One problem of the verifier as a line: where (record, checkpoint or the log), its kind and its
 * message (`record 42: entry-hash-mismatch: …`). The message may quote a record's text: escape it
 * before printing to a terminal.
 *
 * @param problem the problem, or `undefined` (`unknown`).
 */
export function auditProblemText(problem: AuditProblem | undefined): string {
  if (problem === undefined) return 'unknown'
  const where =
    problem.seq !== undefined
      ? `record ${problem.seq}`
      : problem.checkpoint !== undefined
        ? `checkpoint ${problem.checkpoint}`
        : 'log'
  return `${where}: ${problem.kind}: ${problem.message}`
}
