import {
  AUDIT_TIME_TOLERANCE_MS,
  type AuditRow,
  buildFileReport,
  type FileReport,
  genesisHash,
  splitReportConclusion,
} from '@latch/audit'
import { describe, expect, it } from 'vitest'
import { key, noteFor, ORIGIN, requestIdOffset, rowOf, T0, withByte } from './audit-chain.js'

// Issue 17: one conclusion over the reports of the two key servers of a split file, each built
// from a real signed chain: the key needs a share from each, so only who got both obtained it.

const A = 'https://kas-a.example.com'
const B = 'https://kas-b.example.com'
const policyId = 'p-split-file-0000000000000'

/** A key request of the file on one server: released or denied, with the token's minter. */
interface Request {
  readonly email: string
  readonly denied?: boolean
  readonly mintedBy?: string
}

/**
 * One server's report over its chain of `requests` (record n timed T0 + n × 10 ms), the window
 * from `since` (ms after T0; default the log's start) to just after the last record. `tamper`
 * edits a record after signing; `unsigned` leaves the window without a checkpoint after it.
 */
async function reportOf(
  requests: readonly Request[],
  options: { since?: number; tamper?: boolean; unsigned?: boolean } = {},
): Promise<FileReport> {
  let rows: AuditRow[] = []
  let head: Uint8Array = genesisHash(ORIGIN)
  for (const [i, r] of requests.entries()) {
    const seq = i + 1
    const row = rowOf(
      {
        v: 1,
        seq,
        time: new Date(T0 + seq * 10).toISOString(),
        type: r.denied === true ? 'key.release.denied' : 'key.release',
        actor: {
          email: r.email,
          scheme: 'bearer',
          token_id: `t${seq}`,
          ...(r.mintedBy === undefined ? {} : { minted_by: r.mintedBy }),
        },
        request_id: '0123456789abcdef01234567',
        policy_id: policyId,
        ...(r.denied === true ? { reason: 'lockdown' } : {}),
      },
      seq,
      head,
    )
    rows.push(row)
    head = row.entryHash
  }
  const size = rows.length
  const until = T0 + size * 10 + 1
  const notes =
    options.unsigned === true
      ? []
      : [noteFor({ size, headHash: head, time: new Date(until + AUDIT_TIME_TOLERANCE_MS) })]
  if (options.tamper === true) {
    const first = rows[0] as AuditRow
    rows = [withByte(first, requestIdOffset(first), 0x66), ...rows.slice(1)]
  }
  return buildFileReport({
    policyId,
    since: new Date(options.since === undefined ? 0 : T0 + options.since),
    until: new Date(until),
    origin: ORIGIN,
    key,
    notes,
    rows: async function* (after, upTo) {
      yield* rows.slice(after, upTo)
    },
    ...(options.unsigned === true ? { head: { size, headHash: head } } : {}),
  })
}

const conclude = (a: FileReport, b: FileReport) =>
  splitReportConclusion([
    { server: A, report: a },
    { server: B, report: b },
  ])

const alice = { email: 'alice@example.com' }
const bob = { email: 'bob@example.com' }

describe('splitReportConclusion: the key of a split file needs a share from each server', () => {
  it('names who obtained a share from both, with their counts per server', async () => {
    const c = conclude(await reportOf([alice, alice, bob]), await reportOf([bob, alice]))
    expect(c.verdict).toBe('released')
    expect(c.holders).toEqual([
      { identity: 'alice@example.com', releases: [2, 1] },
      { identity: 'bob@example.com', releases: [1, 1] },
    ])
    expect(c.text).toBe(
      `Conclusion: the key of this file was obtained in the window by alice@example.com and bob@example.com, with a share from each key server (alice@example.com 2 shares from ${A} and 1 from ${B}; bob@example.com 1 share from ${A} and 1 from ${B}).`,
    )
    expect(c).toMatchObject({ servers: [], possibleHolders: [], unnamed: [], provisional: false })
  })

  it('says nobody obtained the key when one server released no share, and names that server', async () => {
    const c = conclude(
      await reportOf([alice, alice]),
      await reportOf([
        { ...alice, denied: true },
        { ...bob, denied: true },
      ]),
    )
    expect(c.verdict).toBe('no-release')
    expect(c.servers).toEqual([B])
    expect(c.holders).toEqual([])
    expect(c.text).toBe(
      `Conclusion: ${B} released no share of this file's key in the window, so nobody obtained the key from shares released in it (it needs one from each key server).`,
    )
    const neither = conclude(await reportOf([]), await reportOf([{ ...bob, denied: true }]))
    expect(neither).toMatchObject({ verdict: 'no-release', servers: [A, B] })
    expect(neither.text).toContain(`neither ${A} nor ${B} released a share`)
  })

  it('keeps shares released to different people apart: nobody alone, only a combination', async () => {
    const c = conclude(await reportOf([alice, alice]), await reportOf([bob]))
    expect(c.verdict).toBe('shares-apart')
    expect(c.holders).toEqual([])
    expect(c.text).toBe(
      `Conclusion: both key servers released shares of this file's key in the window, but no recipient obtained one from each: ${A} released to alice@example.com (2), ${B} to bob@example.com (1). No single identity obtained the key; only a combination of these recipients could have.`,
    )
  })

  it('takes a tampered log on either server as proving nothing, naming the server', async () => {
    const c = conclude(await reportOf([alice]), await reportOf([alice], { tamper: true }))
    expect(c.verdict).toBe('tampered')
    expect(c.servers).toEqual([B])
    expect(c.holders).toEqual([])
    expect(c.text).toMatch(
      new RegExp(
        `^TAMPERED: the log of ${B} \\(record 1: .+\\) does not verify over the window; this report proves nothing\\.$`,
      ),
    )
    const both = conclude(
      await reportOf([alice], { tamper: true }),
      await reportOf([bob], { tamper: true }),
    )
    expect(both.servers).toEqual([A, B])
    expect(both.text).toMatch(/^TAMPERED: the logs of .+ do not verify over the window/)
  })

  it('counts the minter of a token used for a share as a possible holder of that share', async () => {
    // carol minted the token alice used at A, and got a share from B herself: she may hold both.
    const c = conclude(
      await reportOf([{ ...alice, mintedBy: 'carol@example.com' }]),
      await reportOf([{ email: 'carol@example.com' }]),
    )
    expect(c.verdict).toBe('shares-apart')
    expect(c.possibleHolders).toEqual(['carol@example.com'])
    expect(c.text).not.toContain('No single identity obtained the key')
    expect(c.text).toContain(
      `carol@example.com (minted a token used for a share from ${A}; obtained a share from ${B}) may also have obtained the key.`,
    )
    // A minter who reached only one server's shares names nobody more, but is still said.
    const apart = conclude(
      await reportOf([{ ...alice, mintedBy: 'carol@example.com' }]),
      await reportOf([bob]),
    )
    expect(apart.possibleHolders).toEqual([])
    expect(apart.text).toContain(
      'only a combination of these recipients and the minters of their tokens could have.',
    )
  })

  it('treats a minter the logs do not name (system, unknown) as possibly anyone', async () => {
    const c = conclude(
      await reportOf([{ ...alice, mintedBy: 'system' }]),
      await reportOf([{ ...bob, mintedBy: 'unknown' }]),
    )
    expect(c.verdict).toBe('shares-apart')
    expect(c.unnamed).toEqual([
      { server: A, kind: 'system' },
      { server: B, kind: 'unknown-minter' },
    ])
    expect(c.text).toContain('No recipient obtained the key alone, but not every share went only')
    expect(c.text).toContain(`the holder of ${A}'s first admin token (system)`)
    const released = conclude(
      await reportOf([{ ...alice, mintedBy: 'system' }]),
      await reportOf([{ ...alice, mintedBy: 'system' }]),
    )
    expect(released.verdict).toBe('released')
    expect(released.text).toContain('so may also have obtained the key: the holder of')
  })

  it('says a share kept from before the window completes one obtained in it', async () => {
    // alice's share from A came before the window; in it she got one from B only.
    const c = conclude(await reportOf([alice, bob], { since: 15 }), await reportOf([alice, bob]))
    expect(c.verdict).toBe('released')
    expect(c.holders.map((h) => h.identity)).toEqual(['bob@example.com'])
    expect(c.text).toContain(
      "Shares released before the window are not in this report: alice@example.com would hold the key too if they kept the other server's share from before it",
    )
    const fromStart = conclude(await reportOf([bob]), await reportOf([alice, bob]))
    expect(fromStart.text).not.toContain('before the window')
  })

  it('is provisional while a server has no checkpoint after the window yet', async () => {
    const c = conclude(await reportOf([alice]), await reportOf([alice], { unsigned: true }))
    expect(c.verdict).toBe('released')
    expect(c.provisional).toBe(true)
    expect(c.text).toContain(`Provisional: no checkpoint is signed after the window on ${B} yet`)
    expect(conclude(await reportOf([alice]), await reportOf([alice])).provisional).toBe(false)
  })
})
