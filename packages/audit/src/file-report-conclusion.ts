import { auditProblemText } from './audit-problem-text.js'
import type { FileReport } from './build-file-report.js'

/** What a per-file report concludes: a verdict to act on and the sentence that says it. */
export interface FileReportConclusion {
  /**
   * - `tampered`: the chain does not verify over the window; the report proves nothing.
   * - `no-release`: nobody obtained the file's key in the window.
   * - `released`: the key was released, to the recipients the report lists only.
   * - `released-foreign-token`: some releases used a token minted by someone other than its
   *   holder, who may have obtained the key too.
   */
  readonly verdict: 'tampered' | 'no-release' | 'released' | 'released-foreign-token'
  /** One sentence (or two, when `unsignedTail` makes it provisional). */
  readonly text: string
}

/**
 * The conclusion of a per-file report, claiming no more than the log proves: a release made with
 * a token someone else minted may have reached that minter too, and a window no checkpoint covers
 * yet (`unsignedTail`) is only as trustworthy as the database. `latch audit report` prints it,
 * and the key server's report route answers it.
 *
 * @param report the report of {@link buildFileReport}.
 * @returns the verdict and its sentence (which may quote a verifier's problem message: escape it
 *   before printing to a terminal).
 * @example
 * const { verdict, text } = fileReportConclusion(report)
 * if (verdict === 'no-release') console.log(text) // Conclusion: nobody obtained the key …
 */
export function fileReportConclusion(report: FileReport): FileReportConclusion {
  const v = report.verification
  if (!v.ok) {
    return {
      verdict: 'tampered',
      text: `TAMPERED: the log does not verify over the window; this report proves nothing (${auditProblemText(v.firstBad)})`,
    }
  }
  const n = (x: number) => x.toLocaleString('en-US')
  const foreign = report.foreignTokenReleases.reduce((sum, f) => sum + f.releases, 0)
  const released = `the key of this file was released ${n(report.releases)} time${report.releases === 1 ? '' : 's'} in the window`
  const conclusion: FileReportConclusion =
    report.releases === 0
      ? {
          verdict: 'no-release',
          text: 'Conclusion: nobody obtained the key of this file in the window.',
        }
      : foreign === 0
        ? { verdict: 'released', text: `Conclusion: ${released}.` }
        : {
            verdict: 'released-foreign-token',
            // Never name only the recipients: whoever minted their token may have obtained it too.
            text: `Conclusion: ${released}; ${foreign === report.releases ? (foreign === 1 ? 'it' : 'each') : `${n(foreign)} of them`} used a token minted by someone other than its holder, so the recipients above may not be the only ones who obtained the key.`,
          }
  if (!report.unsignedTail) return conclusion
  return {
    verdict: conclusion.verdict,
    text: `${conclusion.text} Provisional: no checkpoint is signed after the window yet, so its last records are only as trustworthy as the database; ask again once one is.`,
  }
}
