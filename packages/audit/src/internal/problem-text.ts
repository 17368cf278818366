import type { AuditProblem } from '../audit-problem.js'

/** A verifier's first problem in one line for a report's conclusion: where, what kind, why. */
export function problemText(problem: AuditProblem | undefined): string {
  if (problem === undefined) return 'unknown'
  const where =
    problem.seq !== undefined
      ? `record ${problem.seq}`
      : problem.checkpoint !== undefined
        ? `checkpoint ${problem.checkpoint}`
        : 'log'
  return `${where}: ${problem.kind}: ${problem.message}`
}
