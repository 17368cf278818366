import { type AuditProblem, auditProblemText } from '@latch/audit'
import { printable } from '../../printable.js'

/**
 * One problem of the verifier as a line, safe for a terminal (a record's text is the writer's
 * choice): `record 42: entry-hash-mismatch: …`.
 *
 * @param problem the problem, or `undefined` (printed `unknown`).
 */
export function describeProblem(problem: AuditProblem | undefined): string {
  return printable(auditProblemText(problem))
}
