import { type AuditRow, type AuditWindowStart, genesisHash, verifyAuditLog } from '@latch/audit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  attacker,
  buildChain,
  key,
  noteFor,
  ORIGIN,
  rehashFrom,
  requestIdOffset,
  runs,
  verify,
  withByte,
} from './audit-chain.js'

// 5,300 records, checkpoints at 1,000 … 5,000 (notes #0 … #4), 300 unsigned records.
const chain = buildChain({ records: 5300, every: 1000, seed: 23 })
const N = chain.rows.length

/** The checkpoint of size `size` as a window start. */
function at(size: number): AuditWindowStart {
  return {
    size,
    headHash: size === 0 ? genesisHash(ORIGIN) : (chain.rows[size - 1] as AuditRow).entryHash,
  }
}

/** Verifies the rows after `from.size` (optionally edited) as a window. */
function verifyWindow(
  from: AuditWindowStart | undefined,
  to: number | undefined,
  edits: { rows?: readonly AuditRow[]; notes?: readonly string[]; headSize?: number } = {},
) {
  const rows = edits.rows ?? chain.rows
  return verifyAuditLog({
    origin: ORIGIN,
    rows: rows.slice(from?.size ?? 0),
    notes: edits.notes ?? chain.notes,
    key,
    now: chain.now,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(edits.headSize === undefined ? {} : { headSize: edits.headSize }),
  })
}

/** The rows with the record of seq `seq` edited in its request id, hashes untouched. */
function edited(seq: number, rows: readonly AuditRow[] = chain.rows): AuditRow[] {
  const copy = rows.slice()
  const row = copy[seq - 1] as AuditRow
  const offset = requestIdOffset(row)
  copy[seq - 1] = withByte(row, offset, row.recordBytes[offset] === 0x30 ? 0x31 : 0x30)
  return copy
}

describe('verifyAuditLog over a window (from, to)', () => {
  it('verifies the rows between two checkpoints and reports the window', async () => {
    const report = await verifyWindow(at(2000), 4000)
    expect(report).toMatchObject({
      ok: true,
      records: 2000,
      firstSeq: 2001,
      lastSeq: 4000,
      checkpoints: 5,
      problems: [],
    })
  })

  it('reads no row after `to`', async () => {
    let yielded = 0
    async function* rows() {
      for (const row of chain.rows.slice(2000)) {
        yielded++
        yield row
      }
    }
    const report = await verifyAuditLog({
      origin: ORIGIN,
      rows: rows(),
      notes: chain.notes,
      key,
      from: at(2000),
      to: 3000,
    })
    expect(report).toMatchObject({ ok: true, records: 1000, lastSeq: 3000 })
    // The row after `to` is pulled from the source, never taken in.
    expect(yielded).toBe(1001)
  })

  it('from size 0 with the genesis hash is the whole log', async () => {
    const whole = await verify(chain, { headSize: N })
    const window = await verifyWindow(at(0), undefined, { headSize: N })
    expect({ ...window, millis: 0 }).toEqual({ ...whole, millis: 0 })
    expect(window).toMatchObject({ ok: true, firstSeq: 1, lastSeq: N, records: N })
  })

  it('without `to` runs to the end of the rows, unsigned tail included', async () => {
    const report = await verifyWindow(at(4000), undefined, { headSize: N })
    expect(report).toMatchObject({
      ok: true,
      records: N - 4000,
      firstSeq: 4001,
      lastSeq: N,
      signedSize: 5000,
      unsignedRecords: N - 5000,
      problems: [],
    })
  })

  it('names a tampering inside the window at its seq', async () => {
    const report = await verifyWindow(at(2000), 4000, { rows: edited(3333) })
    expect(report.ok).toBe(false)
    expect(report.problems).toMatchObject([{ kind: 'entry-hash-mismatch', seq: 3333 }])
  })

  it('names a rewrite with recomputed hashes at the checkpoint that covers it', async () => {
    const rows = rehashFrom(ORIGIN, edited(2500), 2499)
    const report = await verifyWindow(at(2000), 4000, { rows })
    // Only the interval holding the changed record: after it the walk goes on from the signed head.
    expect(report.problems).toMatchObject([
      { kind: 'checkpoint-mismatch', seq: 2001, checkpoint: 2 },
    ])
  })

  it('does not look at tamperings outside the window', async () => {
    const rows = edited(4500, edited(1500))
    expect((await verify(chain, { rows })).ok).toBe(false)
    expect(await verifyWindow(at(2000), 4000, { rows })).toMatchObject({ ok: true, problems: [] })
  })

  it('a row missing at `to` is a gap, as the whole log names it', async () => {
    const rows = chain.rows.filter((row) => row.seq !== 3000)
    const whole = await verify(chain, { rows })
    const window = await verifyWindow(at(2000), 3000, { rows })
    expect(window.firstBad).toEqual(whole.firstBad)
    expect(window.firstBad).toMatchObject({ kind: 'seq-gap', seq: 3000 })
  })

  it('rejects a forged start: a head no note signs', async () => {
    const forged = { size: 2000, headHash: Buffer.alloc(32, 9) }
    const report = await verifyWindow(forged, 4000)
    expect(report.ok).toBe(false)
    expect(report.firstBad).toMatchObject({ kind: 'window-invalid', seq: undefined })
    expect(report.firstBad?.message).toContain('no valid checkpoint signs')
  })

  it('rejects a forged start that the rows were rewritten to chain from', async () => {
    // An attacker rewrote seq 2001.. and every hash after, chained from a head of their own.
    const forgedHead = Buffer.alloc(32, 7)
    const rows = edited(2001).slice(2000)
    rows.unshift({ seq: 2000, recordBytes: Buffer.from('{}'), entryHash: forgedHead })
    rehashFrom(ORIGIN, rows, 1)
    const report = await verifyAuditLog({
      origin: ORIGIN,
      rows: rows.slice(1),
      notes: chain.notes,
      key,
      from: { size: 2000, headHash: forgedHead },
      to: 4000,
    })
    expect(report.ok).toBe(false)
    expect(report.firstBad?.kind).toBe('window-invalid')
    expect(report.problems.map((p) => [p.kind, p.checkpoint])).toEqual([
      ['window-invalid', undefined],
      ['checkpoint-mismatch', 2],
    ])
  })

  it('rejects a start signed by another key, or not at a checkpoint, or a wrong genesis', async () => {
    const notes = [
      ...chain.notes,
      noteFor(
        { size: 2000, headHash: Buffer.alloc(32, 9), previous: chain.notes.at(-1) as string },
        attacker,
      ),
    ]
    const other = await verifyWindow({ size: 2000, headHash: Buffer.alloc(32, 9) }, 4000, { notes })
    expect(other.firstBad?.kind).toBe('checkpoint-invalid')
    expect(other.problems.map((p) => p.kind)).toEqual([
      'checkpoint-invalid',
      'window-invalid',
      // The true rows do not chain from the forged head.
      'entry-hash-mismatch',
    ])
    // The true head of seq 2500, which no checkpoint signs: not a trusted start.
    expect((await verifyWindow(at(2500), 4000)).firstBad?.kind).toBe('window-invalid')
    const genesis = await verifyWindow({ size: 0, headHash: Buffer.alloc(32) }, 1000)
    expect(genesis.firstBad?.message).toContain('genesis')
  })

  it('rejects a `to` that is not a checkpoint, or before `from`', async () => {
    const off = await verifyWindow(at(2000), 3500)
    expect(off.problems).toMatchObject([{ kind: 'window-invalid', seq: undefined }])
    expect(off.firstBad?.message).toContain('3500')
    expect(off.lastSeq).toBe(3500)
    const back = await verifyWindow(at(3000), 2000)
    expect(back.problems).toMatchObject([{ kind: 'window-invalid' }])
    expect(back).toMatchObject({ records: 0, lastSeq: 3000 })
  })

  it('checks the notes after `to` but does not need their rows', async () => {
    const rows = chain.rows.slice(0, 4000)
    expect(await verifyWindow(at(2000), 4000, { rows, headSize: N })).toMatchObject({
      ok: true,
      problems: [],
    })
    const notes = chain.notes.slice()
    notes[4] = (notes[4] as string).replace('\nts ', '\nts  ')
    const report = await verifyWindow(at(2000), 4000, { rows, notes })
    expect(report.problems).toMatchObject([{ kind: 'checkpoint-invalid', checkpoint: 4 }])
  })

  it('checks the notes before `from`, and lets the earlier ones be left out', async () => {
    const notes = chain.notes.slice()
    notes[0] = (notes[0] as string).replace('\nts ', '\nts  ')
    const report = await verifyWindow(at(2000), 4000, { notes })
    expect(report.problems).toMatchObject([{ kind: 'checkpoint-invalid', checkpoint: 0 }])
    // From the anchor on (#1, size 2000): the first note given carries a prev, which is fine.
    const later = chain.notes.slice(1)
    expect(await verifyWindow(at(2000), 4000, { notes: later })).toMatchObject({ ok: true })
    // The whole log with its first notes missing is still a checkpoint-order problem.
    expect((await verify(chain, { notes: later })).firstBad?.kind).toBe('checkpoint-order')
    // A note removed between the anchor and `to` still breaks the note chain.
    const gap = [...chain.notes.slice(0, 2), ...chain.notes.slice(3)]
    expect((await verifyWindow(at(2000), 4000, { notes: gap })).firstBad?.kind).toBe(
      'checkpoint-order',
    )
  })

  it('names a fork at the start: another note of the same size with another head', async () => {
    const notes = [
      ...chain.notes.slice(0, 2),
      noteFor({ size: 2000, headHash: Buffer.alloc(32, 5), previous: chain.notes[1] as string }),
    ]
    const report = await verifyWindow(at(2000), undefined, { notes })
    expect(report.problems).toMatchObject([
      { kind: 'checkpoint-mismatch', seq: 2000, checkpoint: 2 },
    ])
    expect(report.firstBad?.message).toContain('fork')
  })

  it('throws ERR_AUDIT_ARGUMENT_INVALID for a window that is not sizes and a 32-byte head', async () => {
    const cases = [
      { from: { size: -1, headHash: Buffer.alloc(32) } },
      { from: { size: 1.5, headHash: Buffer.alloc(32) } },
      { from: { size: 1000, headHash: Buffer.alloc(31) } },
      { to: Number.NaN },
      { to: -3 },
    ]
    for (const window of cases) {
      await expect(
        verifyAuditLog({ origin: ORIGIN, rows: [], notes: [], key, ...window }),
      ).rejects.toMatchObject({ code: 'ERR_AUDIT_ARGUMENT_INVALID' })
    }
  })

  it('gives every window the verdict the whole log gives its rows (random edits)', async () => {
    const sizes = [0, ...chain.sizes]
    await fc.assert(
      fc.asyncProperty(
        fc.nat(sizes.length - 2),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: N }),
        async (a, span, seq) => {
          const fromSize = sizes[a] as number
          const toSize = sizes[Math.min(a + span, sizes.length - 1)] as number
          const rows = edited(seq)
          const window = await verifyWindow(at(fromSize), toSize, { rows })
          if (seq > fromSize && seq <= toSize) {
            expect(window.firstBad).toEqual((await verify(chain, { rows })).firstBad)
          } else {
            expect(window.problems).toEqual([])
          }
        },
      ),
      { numRuns: runs(30) },
    )
  })
})

describe('verifyAuditLog headHash', () => {
  it('accepts the last row entry hash, and names another as head-mismatch', async () => {
    const last = chain.rows.at(-1) as AuditRow
    const ok = await verifyAuditLog({
      origin: ORIGIN,
      rows: chain.rows,
      notes: chain.notes,
      key,
      now: chain.now,
      headSize: N,
      headHash: last.entryHash,
    })
    expect(ok.problems).toEqual([])
    const bad = await verifyAuditLog({
      origin: ORIGIN,
      rows: chain.rows,
      notes: chain.notes,
      key,
      now: chain.now,
      headSize: N,
      headHash: Buffer.alloc(32, 1),
    })
    expect(bad.problems).toMatchObject([{ kind: 'head-mismatch', seq: N }])
  })
})
