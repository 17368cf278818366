import { auditProblemText } from './audit-problem-text.js'
import type { FileReport } from './build-file-report.js'

/** One key server's report on a file split across two, and how the conclusion names the server. */
export interface SplitServerReport {
  /** The server as the text names it (its URL). */
  readonly server: string
  /** Its report over the window, verified against its own checkpoints and key. */
  readonly report: FileReport
}

/** Someone who obtained a share of the file's key from each server. */
export interface SplitReportHolder {
  readonly identity: string
  /** Shares released to them by each server, in server order. */
  readonly releases: readonly [number, number]
}

/**
 * A party neither log names who may hold a share: the holder of a server's first admin token
 * (`system`, which minted a token used for a share), the minter of a token older than minter
 * records (`unknown-minter`), or a recipient without an email (`unknown-recipient`). It may be
 * anyone, a recipient of the other server's shares included.
 */
export interface SplitReportUnnamed {
  readonly server: string
  readonly kind: 'system' | 'unknown-minter' | 'unknown-recipient'
}

/** What the reports of both key servers of a split file conclude together. */
export interface SplitReportConclusion {
  /**
   * - `tampered`: a server's log does not verify over the window; the report proves nothing.
   * - `no-release`: a server released no share in the window, so nobody obtained the key from
   *   shares released in it.
   * - `released`: someone obtained a share from each server: `holders`.
   * - `shares-apart`: both servers released shares, but no recipient got one from each.
   */
  readonly verdict: 'tampered' | 'no-release' | 'released' | 'shares-apart'
  /** The sentences that say it (they may quote a verifier's problem message: escape them
   *  before printing to a terminal). */
  readonly text: string
  /** `tampered`: the servers whose log does not verify; `no-release`: those that released no
   *  share; else empty. */
  readonly servers: readonly string[]
  /** Who obtained a share from each server, with their counts (verdict `released`). */
  readonly holders: readonly SplitReportHolder[]
  /**
   * Who else may hold a share from each server: a named minter of a token used for a share on
   * one server who obtained a share from the other, or minted a token used there too.
   */
  readonly possibleHolders: readonly string[]
  /** The parties the logs do not name who may hold a share (see {@link SplitReportUnnamed}). */
  readonly unnamed: readonly SplitReportUnnamed[]
  /** A server's window runs past its last checkpoint (`unsignedTail`): ask again later. */
  readonly provisional: boolean
}

interface Side {
  readonly server: string
  /** Named recipients and their shares. */
  readonly recipients: Map<string, number>
  /** Named minters of tokens used for shares. */
  readonly minters: Set<string>
  readonly unnamed: SplitReportUnnamed[]
}

/**
 * The one conclusion of the reports of the two key servers of a split file, claiming no more than
 * both logs prove. The file's key is the XOR of a share from each server, so in the window only
 * who obtained a share from both could obtain it: a log that does not verify proves nothing; a
 * server that released no share means nobody did with shares released in the window; a share
 * released with a token someone else minted may have reached that minter too (so a minter is a
 * possible holder, and a minter neither log names may be anyone); and a share kept from before the
 * window completes one obtained in it (said when the window does not start at the log's start).
 *
 * @param reports the report of each server over the same window, in server order.
 * @returns the verdict, its sentences and who they name.
 * @example
 * const { verdict, text } = splitReportConclusion([
 *   { server: 'https://kas-a.example.com', report: reportOfA },
 *   { server: 'https://kas-b.example.com', report: reportOfB },
 * ])
 * if (verdict === 'no-release') console.log(text) // Conclusion: https://kas-a… released no share…
 */
export function splitReportConclusion(
  reports: readonly [SplitServerReport, SplitServerReport],
): SplitReportConclusion {
  const bad = reports.filter((r) => !r.report.verification.ok)
  const none = { holders: [], possibleHolders: [], unnamed: [], provisional: false }
  if (bad.length > 0) {
    const each = bad.map((r) => `${r.server} (${auditProblemText(r.report.verification.firstBad)})`)
    return {
      ...none,
      verdict: 'tampered',
      servers: bad.map((r) => r.server),
      text: `TAMPERED: the log${bad.length === 1 ? '' : 's'} of ${listText(each)} ${bad.length === 1 ? 'does' : 'do'} not verify over the window; this report proves nothing.`,
    }
  }
  const sides = reports.map(sideOf) as [Side, Side]
  const [a, b] = sides
  const holders: SplitReportHolder[] = [...a.recipients]
    .filter(([who]) => b.recipients.has(who))
    .map(([who, k]) => ({ identity: who, releases: [k, b.recipients.get(who) ?? 0] }))
  const held = new Set(holders.map((h) => h.identity))
  const reached = (side: Side) => new Set([...side.recipients.keys(), ...side.minters])
  const reachedB = reached(b)
  const possible = [...reached(a)].filter((who) => reachedB.has(who) && !held.has(who))
  const unnamed = [...a.unnamed, ...b.unnamed]
  const provisionalOn = reports.filter((r) => r.report.unsignedTail).map((r) => r.server)
  const since = reports[0].report.since
  const carry = {
    holders,
    possibleHolders: possible,
    unnamed,
    provisional: provisionalOn.length > 0,
  }
  // Recipients of one server only: a share of the other kept from before the window completes it.
  const oneSided = sides.flatMap((side) => [...side.recipients.keys()].filter((w) => !held.has(w)))
  const sentences: string[] = []
  let verdict: SplitReportConclusion['verdict']
  let servers: string[] = []
  const releasedNone = reports.filter((r) => r.report.releases === 0)
  if (releasedNone.length > 0) {
    verdict = 'no-release'
    servers = releasedNone.map((r) => r.server)
    sentences.push(
      releasedNone.length === 2
        ? `Conclusion: neither ${a.server} nor ${b.server} released a share of this file's key in the window, so nobody obtained the key from shares released in it (it needs one from each key server).`
        : `Conclusion: ${servers[0]} released no share of this file's key in the window, so nobody obtained the key from shares released in it (it needs one from each key server).`,
    )
  } else if (holders.length > 0) {
    verdict = 'released'
    const each = holders.map(
      (h) =>
        `${h.identity} ${sharesText(h.releases[0])} from ${a.server} and ${h.releases[1]} from ${b.server}`,
    )
    sentences.push(
      `Conclusion: the key of this file was obtained in the window by ${listText(holders.map((h) => h.identity))}, with a share from each key server (${each.join('; ')}).`,
    )
  } else {
    verdict = 'shares-apart'
    const to = (side: Side) =>
      [
        ...[...side.recipients].map(([who, k]) => `${who} (${k})`),
        ...side.unnamed.filter((u) => u.kind === 'unknown-recipient').map(() => 'someone unnamed'),
      ].join(', ')
    sentences.push(
      `Conclusion: both key servers released shares of this file's key in the window, but no recipient obtained one from each: ${a.server} released to ${to(a)}, ${b.server} to ${to(b)}.`,
    )
    const foreign = sides.some((side) => side.minters.size > 0)
    if (possible.length === 0 && unnamed.length === 0) {
      sentences.push(
        `No single identity obtained the key; only a combination of these recipients${foreign ? ' and the minters of their tokens' : ''} could have.`,
      )
    } else {
      sentences.push('No recipient obtained the key alone, but not every share went only to them.')
    }
  }
  // A server that released nothing settles it, whoever minted the tokens used at the other.
  if (verdict !== 'no-release') sentences.push(...caveats(sides, possible, unnamed))
  if (since.getTime() > 0 && oneSided.length > 0) {
    const minted = sides.some((side) => side.minters.size > 0 || side.unnamed.length > 0)
    sentences.push(
      `Shares released before the window are not in this report: ${listText(oneSided)}${minted ? ', or whoever minted their tokens,' : ''} would hold the key too if they kept the other server's share from before it (a report over a longer window shows).`,
    )
  }
  if (provisionalOn.length > 0) {
    sentences.push(
      `Provisional: no checkpoint is signed after the window on ${listText(provisionalOn)} yet, so the last records are only as trustworthy as the database; ask again once one is.`,
    )
  }
  return { ...carry, verdict, servers, text: sentences.join(' ') }
}

/** The sentences on shares that may have reached someone besides their recipient. */
function caveats(
  sides: readonly [Side, Side],
  possible: readonly string[],
  unnamed: readonly SplitReportUnnamed[],
): string[] {
  const out: string[] = []
  const [a, b] = sides
  if (possible.length > 0) {
    const how = (side: Side, who: string) =>
      side.recipients.has(who)
        ? `obtained a share from ${side.server}`
        : `minted a token used for a share from ${side.server}`
    out.push(
      `A share released with a token someone else minted may have reached that minter too: ${listText(possible.map((who) => `${who} (${how(a, who)}; ${how(b, who)})`))} may also have obtained the key.`,
    )
  } else if (sides.some((side) => side.minters.size > 0)) {
    out.push(
      'Some shares were released with a token someone else minted (listed above), who may have that share too.',
    )
  }
  if (unnamed.length > 0) {
    out.push(
      `Some shares may have reached someone the logs do not name, who may be anyone (a recipient of the other server's shares included) and so may also have obtained the key: ${unnamed.map(unnamedText).join('; ')}.`,
    )
  }
  return out
}

function sideOf({ server, report }: SplitServerReport): Side {
  const side: Side = { server, recipients: new Map(), minters: new Set(), unnamed: [] }
  const add = (kind: SplitReportUnnamed['kind']) => {
    if (!side.unnamed.some((u) => u.kind === kind)) side.unnamed.push({ server, kind })
  }
  for (const [who, k] of Object.entries(report.releasedTo)) {
    if (who === 'unknown') add('unknown-recipient')
    else side.recipients.set(who, k)
  }
  for (const f of report.foreignTokenReleases) {
    if (f.mintedBy === 'system') add('system')
    else if (f.mintedBy === 'unknown') add('unknown-minter')
    else side.minters.add(f.mintedBy)
  }
  return side
}

function unnamedText(u: SplitReportUnnamed): string {
  if (u.kind === 'system') {
    return `the holder of ${u.server}'s first admin token (system), which minted a token used there`
  }
  if (u.kind === 'unknown-minter') {
    return `the minter of a token used at ${u.server} (unknown: older than minter records)`
  }
  return `a recipient at ${u.server} whose record names no email`
}

function sharesText(k: number): string {
  return `${k.toLocaleString('en-US')} share${k === 1 ? '' : 's'}`
}

function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`
}
