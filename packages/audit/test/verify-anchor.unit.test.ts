import { type AuditRow, type AuditVerifyReport, verifyAuditLog } from '@latch/audit'
import { describe, expect, it } from 'vitest'
import {
  attacker,
  buildChain,
  key,
  noteFor,
  rehashFrom,
  requestIdOffset,
  type TestChain,
  withByte,
} from './audit-chain.js'

// A note kept outside the database (`latch audit verify --anchor`) is the only thing that shows a
// database restored from an older backup: its own notes were rolled back with it.

// 3,500 records, checkpoints at 500 … 3,500.
const chain = buildChain({ records: 3500, every: 500, seed: 17 })
const noteAt = (size: number) => chain.notes[chain.sizes.indexOf(size)] as string

/** Verifies the chain as it is now (or `edits`), against `anchor`. */
function verifyAgainst(
  anchor: string,
  edits: { rows?: readonly AuditRow[]; notes?: readonly string[]; of?: TestChain } = {},
): Promise<AuditVerifyReport> {
  const of = edits.of ?? chain
  return verifyAuditLog({
    origin: of.origin,
    rows: edits.rows ?? of.rows,
    notes: edits.notes ?? of.notes,
    key,
    now: of.now,
    anchor,
  })
}

describe('verifying against a checkpoint kept outside the database', () => {
  it('passes when the log holds the anchor, however its final newline was saved', async () => {
    for (const anchor of [noteAt(2000), noteAt(2000).trimEnd(), `${noteAt(2000)}\n\n`]) {
      const report = await verifyAgainst(anchor)
      expect(report).toMatchObject({ ok: true, problems: [] })
    }
  })

  it('names a database restored from an older backup (rows and notes rolled back together)', async () => {
    const restored = {
      rows: chain.rows.slice(0, 2000),
      notes: chain.notes.slice(0, chain.sizes.indexOf(2000) + 1),
    }
    // Alone, the restored log is consistent with its own notes.
    expect(
      await verifyAuditLog({ origin: chain.origin, ...restored, key, now: chain.now }),
    ).toMatchObject({ ok: true })
    const report = await verifyAgainst(noteAt(3000), restored)
    expect(report.ok).toBe(false)
    expect(report.firstBad).toEqual({
      kind: 'truncated',
      seq: undefined,
      checkpoint: undefined,
      message: expect.stringMatching(
        /^anchor: rolled back: the log ends at record 2000, but a checkpoint kept outside it signs 3000 records/,
      ),
    })
    expect(report.problems).toEqual([report.firstBad])
  })

  it('names a log rewritten after the anchor: it reaches the anchor’s size without holding it', async () => {
    // Someone with the signing key rewrote the chain from record 1,200 and signed new notes.
    const rows = chain.rows.slice()
    const edited = rows[1199] as AuditRow
    rows[1199] = withByte(edited, requestIdOffset(edited), 0x30)
    const rewritten = rehashFrom(chain.origin, rows, 1199)
    const notes: string[] = []
    for (const size of chain.sizes) {
      const headHash = (rewritten[size - 1] as AuditRow).entryHash
      const previous = notes.at(-1)
      notes.push(
        noteFor(previous === undefined ? { size, headHash } : { size, headHash, previous }),
      )
    }
    expect(
      await verifyAuditLog({ origin: chain.origin, rows: rewritten, notes, key, now: chain.now }),
    ).toMatchObject({ ok: true })
    const report = await verifyAgainst(noteAt(1500), { rows: rewritten, notes })
    expect(report.ok).toBe(false)
    expect(report.firstBad).toMatchObject({
      kind: 'checkpoint-mismatch',
      seq: undefined,
      message: expect.stringMatching(/^anchor: rewritten: the log does not hold the anchor/),
    })
  })

  it('refuses an anchor that is not a checkpoint of this log under the trusted key', async () => {
    const other = buildChain({ records: 500, every: 500, seed: 3, origin: 'latch-audit/other' })
    const cases: [string, RegExp][] = [
      ['not a note at all', /^anchor: the anchor is not a checkpoint signed by the trusted key: /],
      [
        noteFor({ size: 500, headHash: (chain.rows[499] as AuditRow).entryHash }, attacker),
        /^anchor: the anchor is not a checkpoint signed by the trusted key: .*signature/,
      ],
      [other.notes[0] as string, /^anchor: the anchor is a checkpoint of another log/],
    ]
    for (const [anchor, message] of cases) {
      const report = await verifyAgainst(anchor)
      expect(report.ok, anchor).toBe(false)
      expect(report.firstBad, anchor).toMatchObject({ kind: 'checkpoint-invalid', message })
    }
  })

  it('still names the log’s own first bad record first when the anchor does not match either', async () => {
    const rows = chain.rows.slice(0, 2000)
    const edited = rows[41] as AuditRow
    rows[41] = withByte(edited, requestIdOffset(edited), 0x30)
    const notes = chain.notes.slice(0, chain.sizes.indexOf(2000) + 1)
    const report = await verifyAgainst(noteAt(3000), { rows, notes })
    expect(report.ok).toBe(false)
    expect(report.firstBad).toMatchObject({ seq: 42 })
    expect(report.problems.at(-1)).toMatchObject({
      kind: 'truncated',
      message: expect.stringMatching(/^anchor: rolled back/),
    })
  })
})
