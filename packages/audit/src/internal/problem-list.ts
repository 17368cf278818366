import { type AuditProblem, MAX_REPORTED_PROBLEMS } from '../audit-problem.js'

/** The problems a verification found: the first ones listed, the verdict and the first bad. */
export class ProblemList {
  ok = true
  firstBad: AuditProblem | undefined
  readonly problems: AuditProblem[] = []

  /**
   * Records a problem. `stale` is a warning: it neither fails the verdict nor is `firstBad`.
   * With `secondary`, the problem is `firstBad` only when there is none yet: a disagreement with
   * something outside the log (an anchor) does not say where the log itself first goes wrong.
   */
  add(problem: AuditProblem, secondary = false): void {
    if (this.problems.length < MAX_REPORTED_PROBLEMS) this.problems.push(problem)
    if (problem.kind === 'stale') return
    this.ok = false
    if (this.firstBad === undefined || (!secondary && rank(problem) < rank(this.firstBad))) {
      this.firstBad = problem
    }
  }
}

// Problems of the notes alone (no seq) first: they undermine everything after them.
function rank(problem: AuditProblem): number {
  return problem.seq ?? -1
}
