import { generateKeyPairSync } from 'node:crypto'
import {
  type AuditProblemKind,
  type AuditRow,
  genesisHash,
  leafHash,
  MAX_REPORTED_PROBLEMS,
  verifyAuditLog,
} from '@latch/audit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  attacker,
  buildChain,
  coveringNote,
  intervalStart,
  key,
  noteFor,
  ORIGIN,
  prng,
  recordOf,
  rehashFrom,
  requestIdOffset,
  rowOf,
  runs,
  T0,
  type TestChain,
  verify,
  withByte,
} from './audit-chain.js'

// 5,300 records, checkpoints at 1,000 … 5,000, and 300 unsigned records after the last one.
const chain = buildChain({ records: 5300, every: 1000, seed: 7 })
const N = chain.rows.length
const SIGNED = 5000
const TRIALS = runs(100)
// The tampering trials run on a smaller chain so that hundreds of them stay quick: 2,100
// records, checkpoints at 400 … 2,000, and 100 unsigned records.
const small = buildChain({ records: 2100, every: 400, seed: 11 })
const SN = small.rows.length
const SS = 2000

/** The rows in pages of 97, each with its leaf hash, as `scanAuditConcurrently` yields them. */
async function* pagesOf(rows: readonly AuditRow[]): AsyncGenerator<AuditRow[]> {
  for (let i = 0; i < rows.length; i += 97) {
    yield rows.slice(i, i + 97).map((row) => ({ ...row, leafHash: leafHash(row.recordBytes) }))
  }
}

/** The rows with `rows[i]` (seq i + 1) replaced. */
function replaced(rows: readonly AuditRow[], i: number, row: AuditRow): AuditRow[] {
  const copy = rows.slice()
  copy[i] = row
  return copy
}

/** A hex digit other than the one at `index` of the record. */
function otherHex(row: AuditRow, index: number, pick: number): number {
  const digits = [...'0123456789abcdef'].map((c) => c.charCodeAt(0))
  const others = digits.filter((d) => d !== row.recordBytes[index])
  return others[pick % others.length] as number
}

function expectOnly(
  report: Awaited<ReturnType<typeof verify>>,
  kind: AuditProblemKind,
  seq: number | undefined,
  checkpoint?: number,
) {
  expect(report.ok).toBe(false)
  expect(report.firstBad).toMatchObject({ kind, seq })
  if (checkpoint !== undefined) expect(report.firstBad?.checkpoint).toBe(checkpoint)
  expect(report.problems).toHaveLength(1)
}

async function trials<T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>) {
  await fc.assert(fc.asyncProperty(arbitrary, check), { numRuns: TRIALS })
}

describe('verifyAuditLog on untouched chains', () => {
  it('accepts the 5,300-record chain with no problem and reports its coverage', async () => {
    const report = await verify(chain)
    expect(report).toMatchObject({
      ok: true,
      records: N,
      checkpoints: 5,
      signedSize: SIGNED,
      unsignedRecords: N - SIGNED,
      lastCheckpointTime: new Date(T0 + SIGNED * 10),
      firstBad: undefined,
      problems: [],
    })
    expect(report.millis).toBeGreaterThan(0)
  })

  it('reads an async iterable like an array', async () => {
    async function* rows() {
      yield* chain.rows
    }
    const report = await verifyAuditLog({
      origin: ORIGIN,
      rows: rows(),
      notes: chain.notes,
      key,
      now: chain.now,
    })
    expect(report).toMatchObject({ ok: true, records: N, problems: [] })
  })

  it('reads pages of rows with their leaf hashes given, as the SQLite worker hands them over, like an array', async () => {
    const report = await verifyAuditLog({
      origin: ORIGIN,
      rows: { pages: pagesOf(chain.rows) },
      notes: chain.notes,
      key,
      now: chain.now,
    })
    expect(report).toMatchObject({ ok: true, records: N, problems: [] })
  })

  it('gives pages with leaf hashes the report rows give, under random tampering', async () => {
    const edits = fc.tuple(fc.nat(SN - 1), fc.nat(), fc.nat(7), fc.boolean(), fc.boolean())
    await trials(edits, async ([i, position, bit, rehash, drop]) => {
      const row = small.rows[i] as AuditRow
      const at = position % row.recordBytes.length
      const flipped = withByte(row, at, (row.recordBytes[at] as number) ^ (1 << bit))
      let rows = drop ? small.rows.filter((_, j) => j !== i) : replaced(small.rows, i, flipped)
      if (rehash) rows = rehashFrom(ORIGIN, rows, i)
      const { millis: _, ...fromRows } = await verify(small, { rows })
      const { millis: __, ...fromPages } = await verifyAuditLog({
        origin: small.origin,
        rows: { pages: pagesOf(rows) },
        notes: small.notes,
        key,
        now: small.now,
      })
      expect(fromPages).toEqual(fromRows)
    })
  })

  it('never raises a false alarm across random chains (sizes, intervals, empty checkpoints)', async () => {
    const random = prng(99)
    for (let i = 0; i < runs(40); i++) {
      const records = Math.floor(random() * 1500)
      const every = 1 + Math.floor(random() * 400)
      const c = buildChain({
        records,
        every,
        seed: 1000 + i,
        origin: `latch-audit/random-${i}`,
        emptyFirst: random() < 0.5,
        repeat: 1 + Math.floor(random() * 3),
      })
      const report = await verifyAuditLog({
        origin: c.origin,
        rows: c.rows,
        notes: c.notes,
        key,
        now: c.now,
        headSize: records,
      })
      // Only a chain too short for its first checkpoint may (rightly) be unsigned and stale.
      const expected = c.notes.length === 0 && records > 0 ? ['stale'] : []
      expect(
        report.problems.map((p) => p.kind),
        `chain ${i}: ${records} every ${every}`,
      ).toEqual(expected)
      expect(report.ok).toBe(true)
      expect(report.records).toBe(records)
      expect(report.signedSize).toBe(records - (records % every))
    }
  })

  it('accepts an empty log, with or without a size-0 checkpoint', async () => {
    const empty = buildChain({ records: 0, every: 10, emptyFirst: true })
    expect(empty.notes).toHaveLength(1)
    expect(await verify(empty)).toMatchObject({
      ok: true,
      records: 0,
      checkpoints: 1,
      problems: [],
    })
    expect(await verify(empty, { notes: [] })).toMatchObject({ ok: true, problems: [] })
  })
})

describe('verifyAuditLog detects each tampering class at the right place', () => {
  it('an edited record, stored hashes untouched: entry-hash-mismatch at its seq', async () => {
    await trials(fc.tuple(fc.nat(SN - 1), fc.nat(23), fc.nat()), async ([i, digit, pick]) => {
      const row = small.rows[i] as AuditRow
      const at = requestIdOffset(row) + digit
      const report = await verify(small, {
        rows: replaced(small.rows, i, withByte(row, at, otherHex(row, at, pick))),
      })
      expectOnly(report, 'entry-hash-mismatch', i + 1)
    })
  })

  it('any flipped bit, stored hashes untouched: named at its seq, once', async () => {
    await trials(fc.tuple(fc.nat(SN - 1), fc.nat(), fc.nat(7)), async ([i, position, bit]) => {
      const row = small.rows[i] as AuditRow
      const at = position % row.recordBytes.length
      const flipped = withByte(row, at, (row.recordBytes[at] as number) ^ (1 << bit))
      const report = await verify(small, { rows: replaced(small.rows, i, flipped) })
      expect(report.ok).toBe(false)
      expect(report.problems).toHaveLength(1)
      expect(report.firstBad?.seq).toBe(i + 1)
      expect(['record-invalid', 'record-seq-mismatch', 'entry-hash-mismatch']).toContain(
        report.firstBad?.kind,
      )
    })
  })

  it('an edited record with every later hash recomputed: checkpoint-mismatch naming its interval', async () => {
    await trials(fc.tuple(fc.nat(SS - 1), fc.nat(23), fc.nat()), async ([i, digit, pick]) => {
      const row = small.rows[i] as AuditRow
      const at = requestIdOffset(row) + digit
      const rows = rehashFrom(
        ORIGIN,
        replaced(small.rows, i, withByte(row, at, otherHex(row, at, pick))),
        i,
      )
      const note = coveringNote(small, i + 1)
      const report = await verify(small, { rows })
      expectOnly(report, 'checkpoint-mismatch', intervalStart(small, note), note)
      expect(report.firstBad?.message).toContain(
        `seq ${intervalStart(small, note)}..${small.sizes[note]}`,
      )
    })
  })

  it('any flipped bit with hashes recomputed: at its seq, or at the interval that holds it', async () => {
    await trials(fc.tuple(fc.nat(SS - 1), fc.nat(), fc.nat(7)), async ([i, position, bit]) => {
      const row = small.rows[i] as AuditRow
      const at = position % row.recordBytes.length
      const flipped = withByte(row, at, (row.recordBytes[at] as number) ^ (1 << bit))
      const report = await verify(small, {
        rows: rehashFrom(ORIGIN, replaced(small.rows, i, flipped), i),
      })
      const note = coveringNote(small, i + 1)
      expect(report.ok).toBe(false)
      expect(report.problems).toHaveLength(1)
      if (report.firstBad?.kind === 'checkpoint-mismatch') {
        expect(report.firstBad).toMatchObject({ seq: intervalStart(small, note), checkpoint: note })
      } else {
        expect(report.firstBad?.seq).toBe(i + 1)
        expect(['record-invalid', 'record-seq-mismatch']).toContain(report.firstBad?.kind)
      }
    })
  })

  it('a deleted middle row: seq-gap at the missing seq', async () => {
    await trials(fc.integer({ min: 0, max: SN - 2 }), async (i) => {
      const rows = small.rows.filter((_, j) => j !== i)
      expectOnly(await verify(small, { rows }), 'seq-gap', i + 1)
    })
  })

  it('a deleted middle row with later rows renumbered: record-seq-mismatch where they moved', async () => {
    await trials(fc.integer({ min: 0, max: SN - 2 }), async (i) => {
      const rows = small.rows
        .filter((_, j) => j !== i)
        .map((row, j) => (j < i ? row : { ...row, seq: j + 1 }))
      const report = await verify(small, { rows })
      expect(report.ok).toBe(false)
      expect(report.firstBad).toMatchObject({ kind: 'record-seq-mismatch', seq: i + 1 })
      expect(report.problems.filter((p) => p.kind === 'record-seq-mismatch')).toHaveLength(1)
    })
  })

  it('a deleted tail reaching into signed records: truncated at the first missing seq', async () => {
    await trials(fc.integer({ min: 0, max: SS - 1 }), async (i) => {
      const report = await verify(small, { rows: small.rows.slice(0, i) })
      expectOnly(report, 'truncated', i + 1, small.notes.length - 1)
      expect(report.records).toBe(i)
    })
  })

  it('an older snapshot restored (rows and head agree): truncated against the anchored notes', async () => {
    await trials(fc.integer({ min: 0, max: SS - 1 }), async (size) => {
      const report = await verify(small, { rows: small.rows.slice(0, size), headSize: size })
      expectOnly(report, 'truncated', size + 1, small.notes.length - 1)
    })
  })

  it('two rows swapped: record-seq-mismatch at both, the first one first', async () => {
    await trials(
      fc
        .tuple(fc.nat(SN - 1), fc.nat(SN - 1))
        .filter(([a, b]) => a !== b)
        .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
      async ([i, j]) => {
        const rows = small.rows.slice()
        rows[i] = { ...(small.rows[j] as AuditRow), seq: i + 1 }
        rows[j] = { ...(small.rows[i] as AuditRow), seq: j + 1 }
        const report = await verify(small, { rows })
        expect(report.ok).toBe(false)
        expect(report.firstBad).toMatchObject({ kind: 'record-seq-mismatch', seq: i + 1 })
        expect(report.problems.map((p) => [p.kind, p.seq])).toEqual([
          ['record-seq-mismatch', i + 1],
          ['record-seq-mismatch', j + 1],
        ])
      },
    )
  })

  it('a forged row inserted, well chained, later rows renumbered: named at the first moved record', async () => {
    await trials(fc.integer({ min: 0, max: SN - 1 }), async (i) => {
      const previous = i === 0 ? genesisHash(ORIGIN) : (small.rows[i - 1] as AuditRow).entryHash
      const forged = rowOf(
        { ...recordOf(small.rows[i] as AuditRow), seq: i + 1, decision: 'forged' },
        i + 1,
        previous,
      )
      const rows = [
        ...small.rows.slice(0, i),
        forged,
        ...small.rows.slice(i).map((row) => ({ ...row, seq: row.seq + 1 })),
      ]
      const report = await verify(small, { rows, headSize: SN + 1 })
      // A forged row that lands exactly on a checkpoint is caught there first.
      const note = small.sizes.indexOf(i + 1)
      if (note < 0) {
        expectOnly(report, 'record-seq-mismatch', i + 2)
      } else {
        expect(report.firstBad).toMatchObject({
          kind: 'checkpoint-mismatch',
          seq: intervalStart(small, note),
          checkpoint: note,
        })
        expect(report.problems.map((p) => [p.kind, p.seq])).toEqual([
          ['checkpoint-mismatch', intervalStart(small, note)],
          ['record-seq-mismatch', i + 2],
        ])
      }
    })
  })

  it('a forged row inserted and the rest rewritten consistently: checkpoint-mismatch at its interval', async () => {
    await trials(fc.integer({ min: 0, max: SS - 1 }), async (i) => {
      const forged = rowOf(
        { ...recordOf(small.rows[i] as AuditRow), decision: 'forged' },
        i + 1,
        genesisHash(ORIGIN),
      )
      // Renumber the records themselves (their hashes follow in rehashFrom).
      const shifted = small.rows.slice(i).map((row) => ({
        ...row,
        seq: row.seq + 1,
        recordBytes: Buffer.from(
          Buffer.from(row.recordBytes)
            .toString('utf8')
            .replace(`"seq":${row.seq},`, `"seq":${row.seq + 1},`),
        ),
      }))
      const rows = rehashFrom(ORIGIN, [...small.rows.slice(0, i), forged, ...shifted], i)
      const note = coveringNote(small, i + 1)
      const report = await verify(small, { rows })
      expect(report.ok).toBe(false)
      expect(report.firstBad).toMatchObject({
        kind: 'checkpoint-mismatch',
        seq: intervalStart(small, note),
        checkpoint: note,
      })
    })
  })

  it('history rewritten from a point, all hashes recomputed: checkpoint-mismatch per interval touched', async () => {
    await trials(fc.tuple(fc.nat(SS - 1), fc.integer({ min: 1, max: 900 })), async ([i, count]) => {
      const rows = small.rows.slice()
      const last = Math.min(i + count, SN)
      for (let j = i; j < last; j++) {
        const row = rows[j] as AuditRow
        rows[j] = rowOf({ ...recordOf(row), decision: 'rewritten' }, row.seq, genesisHash(ORIGIN))
      }
      rehashFrom(ORIGIN, rows, i)
      const note = coveringNote(small, i + 1)
      const report = await verify(small, { rows })
      expect(report.ok).toBe(false)
      expect(report.firstBad).toMatchObject({
        kind: 'checkpoint-mismatch',
        seq: intervalStart(small, note),
        checkpoint: note,
      })
      // Each signed interval holding a rewritten record is named once; the others stay clean.
      const touched = small.sizes
        .map((size, n) => ({ size, n }))
        .filter(({ size, n }) => size >= i + 1 && intervalStart(small, n) <= last)
        .map(({ n }) => n)
      expect(report.problems.map((p) => [p.kind, p.checkpoint])).toEqual(
        touched.map((n) => ['checkpoint-mismatch', n]),
      )
    })
  })

  it('a note altered (any field re-spelled or changed): checkpoint-invalid at that note', async () => {
    await trials(
      fc.tuple(fc.nat(small.notes.length - 1), fc.nat(), fc.nat(6)),
      async ([n, position, bit]) => {
        const note = small.notes[n] as string
        const body = note.indexOf('\n\n')
        const at = position % body
        const altered =
          note.slice(0, at) +
          String.fromCharCode(note.charCodeAt(at) ^ (1 << bit)) +
          note.slice(at + 1)
        const notes = small.notes.slice()
        notes[n] = altered
        const report = await verify(small, { notes })
        expectOnly(report, 'checkpoint-invalid', undefined, n)
      },
    )
  })

  it('notes forged with another key over a rewritten chain: every note is checkpoint-invalid', async () => {
    await trials(fc.integer({ min: 0, max: SS - 1 }), async (i) => {
      const row = small.rows[i] as AuditRow
      const at = requestIdOffset(row)
      const rows = rehashFrom(
        ORIGIN,
        replaced(small.rows, i, withByte(row, at, otherHex(row, at, i))),
        i,
      )
      const notes: string[] = []
      for (const size of small.sizes) {
        const previous = notes.at(-1)
        const headHash = (rows[size - 1] as AuditRow).entryHash
        notes.push(
          noteFor(
            previous === undefined ? { size, headHash } : { size, headHash, previous },
            attacker,
          ),
        )
      }
      const report = await verify(small, { rows, notes })
      expect(report.ok).toBe(false)
      expect(report.checkpoints).toBe(0)
      expect(report.firstBad).toMatchObject({
        kind: 'checkpoint-invalid',
        checkpoint: 0,
        seq: undefined,
      })
      expect(report.problems.filter((p) => p.kind === 'checkpoint-invalid')).toHaveLength(
        small.notes.length,
      )
      expect(report.problems.at(-1)?.kind).toBe('stale')
    })
  })

  it('a note removed from the middle: checkpoint-order at the next one', async () => {
    await trials(fc.integer({ min: 0, max: small.notes.length - 2 }), async (n) => {
      const notes = small.notes.filter((_, j) => j !== n)
      expectOnly(await verify(small, { notes }), 'checkpoint-order', undefined, n)
    })
  })

  it('two notes swapped: checkpoint-order', async () => {
    const pairs = fc
      .tuple(fc.nat(small.notes.length - 1), fc.nat(small.notes.length - 1))
      .filter(([a, b]) => a !== b)
    await trials(pairs, async ([a, b]) => {
      const notes = small.notes.slice()
      notes[a] = small.notes[b] as string
      notes[b] = small.notes[a] as string
      const report = await verify(small, { notes })
      expect(report.ok).toBe(false)
      expect(report.firstBad?.kind).toBe('checkpoint-order')
      expect(report.firstBad?.checkpoint).toBe(Math.min(a, b))
    })
  })
})

describe('verifyAuditLog on checkpoint notes', () => {
  const first = chain.rows[999] as AuditRow

  it('rejects a note of another origin signed by the right key', async () => {
    const notes = [noteFor({ origin: 'latch-audit/other', size: 1000, headHash: first.entryHash })]
    const report = await verify(chain, { notes })
    expect(report.firstBad).toMatchObject({ kind: 'checkpoint-invalid', checkpoint: 0 })
    expect(report.firstBad?.message).toContain('origin "latch-audit/other"')
    expect(report.problems.map((p) => p.kind)).toEqual(['checkpoint-invalid', 'stale'])
  })

  it('rejects a first note that claims a predecessor', async () => {
    const notes = [noteFor({ size: 1000, headHash: first.entryHash, previous: 'x' })]
    expectOnly(await verify(chain, { notes }), 'checkpoint-order', undefined, 0)
  })

  it('rejects a size that goes back, and a time that goes back', async () => {
    const a = noteFor({ size: 2000, headHash: (chain.rows[1999] as AuditRow).entryHash })
    const b = noteFor({ size: 1000, headHash: first.entryHash, previous: a })
    const sizeBack = await verify(chain, { notes: [a, b] })
    expectOnly(sizeBack, 'checkpoint-order', undefined, 1)
    expect(sizeBack.firstBad?.message).toContain('size goes back from 2000 to 1000')
    // Record n is timed T0 + n × 10 ms: c just after record 1000, d 1 ms before c (times that
    // would also put c after records it does not cover, or d before records it covers, are named
    // as record-time problems besides; see verify-record-times.unit.test.ts).
    const c = noteFor({ size: 1000, headHash: first.entryHash, time: new Date(T0 + 10_001) })
    const d = noteFor({
      size: 2000,
      headHash: (chain.rows[1999] as AuditRow).entryHash,
      previous: c,
      time: new Date(T0 + 10_000),
    })
    const timeBack = await verify(chain, { notes: [c, d] })
    expectOnly(timeBack, 'checkpoint-order', undefined, 1)
    expect(timeBack.firstBad?.message).toContain('time goes back')
  })

  it('names a fork: two valid notes for one size with different heads', async () => {
    const a = noteFor({ size: 1000, headHash: first.entryHash })
    const b = noteFor({ size: 1000, headHash: Buffer.alloc(32, 7), previous: a })
    const report = await verify(chain, { notes: [a, b] })
    expectOnly(report, 'checkpoint-mismatch', 1000, 1)
    expect(report.firstBad?.message).toContain('fork')
  })

  it('rejects a size-0 note that does not sign the genesis hash', async () => {
    const notes = [noteFor({ size: 0, headHash: Buffer.alloc(32) })]
    expectOnly(await verify(chain, { notes }), 'checkpoint-mismatch', undefined, 0)
  })

  it('does not cascade from one invalid note to the next', async () => {
    const notes = chain.notes.slice()
    notes[1] = (notes[1] as string).replace('\nts ', '\nts  ')
    const report = await verify(chain, { notes })
    expectOnly(report, 'checkpoint-invalid', undefined, 1)
    expect(report.checkpoints).toBe(chain.notes.length - 1)
  })

  it('throws ERR_AUDIT_ARGUMENT_INVALID for a key that is not Ed25519', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey
    await expect(
      verifyAuditLog({ origin: ORIGIN, rows: [], notes: [], key: { name: 'k', publicKey: ec } }),
    ).rejects.toMatchObject({ code: 'ERR_AUDIT_ARGUMENT_INVALID' })
  })
})

describe('verifyAuditLog end checks', () => {
  it('the last notes dropped: truncation still caught by what remains, or named stale', async () => {
    const notes = chain.notes.slice(0, 2)
    const fresh = await verify(chain, { notes })
    expect(fresh).toMatchObject({ ok: true, signedSize: 2000, unsignedRecords: N - 2000 })
    const later = await verify(chain, { notes, now: new Date(T0 + 2000 * 10 + 121_000) })
    expect(later.ok).toBe(true)
    expect(later.problems).toMatchObject([{ kind: 'stale', seq: 2001, checkpoint: 1 }])
  })

  it('warns stale when unsigned records wait past the bound, without failing', async () => {
    const lastNote = T0 + SIGNED * 10
    const report = await verify(chain, { now: new Date(lastNote + 121_000) })
    expect(report.ok).toBe(true)
    expect(report.firstBad).toBeUndefined()
    expect(report.problems).toMatchObject([{ kind: 'stale', seq: SIGNED + 1, checkpoint: 4 }])
    expect((await verify(chain, { now: new Date(lastNote + 119_000) })).problems).toEqual([])
    const custom = await verifyAuditLog({
      origin: ORIGIN,
      rows: chain.rows,
      notes: chain.notes,
      key,
      now: new Date(lastNote + 11_000),
      maxUnsignedAgeMs: 10_000,
    })
    expect(custom.problems.map((p) => p.kind)).toEqual(['stale'])
  })

  it('does not warn stale when every record is signed, however old the checkpoint', async () => {
    const report = await verify(chain, {
      rows: chain.rows.slice(0, SIGNED),
      now: new Date(T0 + 86_400_000),
    })
    expect(report.problems).toEqual([])
  })

  it('warns stale for records without any valid checkpoint', async () => {
    const report = await verify(chain, { notes: [] })
    expect(report.ok).toBe(true)
    expect(report.problems).toMatchObject([{ kind: 'stale', seq: 1, checkpoint: undefined }])
  })

  it('names a head-mismatch when the rows end elsewhere than the chain head claims', async () => {
    expect((await verify(chain, { headSize: N })).problems).toEqual([])
    expectOnly(await verify(chain, { headSize: N + 1 }), 'head-mismatch', N + 1)
    // The unsigned tail deleted: only the head row can tell.
    expectOnly(
      await verify(chain, { rows: chain.rows.slice(0, N - 10), headSize: N }),
      'head-mismatch',
      N - 9,
    )
  })

  it('names repeated or backward rows once, at the seq expected', async () => {
    const rows = [
      ...chain.rows.slice(0, 10),
      chain.rows[9] as AuditRow,
      chain.rows[8] as AuditRow,
      ...chain.rows.slice(10),
    ]
    const report = await verify(chain, { rows })
    expectOnly(report, 'seq-gap', 11)
    expect(report.records).toBe(N + 2)
  })

  it('rejects records that are not canonical, not objects, or lack seq', async () => {
    const cases: [string, string][] = [
      ['{"seq":1, "v":1}', 'canonical'],
      ['{"v":1,"seq":1}', 'canonical'],
      ['{"seq":1.0}', 'canonical'],
      ['{"seq":1,"x":1.5}', 'outside canonical JSON'],
      ['[1]', 'not a JSON object'],
      ['{"v":1}', 'no integer seq'],
      ['{"seq":"1"}', 'no integer seq'],
      ['{"seq":1', 'not JSON'],
    ]
    for (const [text, reason] of cases) {
      const row = rowOf({}, 1, genesisHash(ORIGIN))
      const recordBytes = Buffer.from(text)
      const report = await verify(chain, { rows: [{ ...row, recordBytes }], notes: [] })
      expect(report.firstBad, text).toMatchObject({ kind: 'record-invalid', seq: 1 })
      expect(report.firstBad?.message, text).toContain(reason)
    }
    const bad = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])
    const report = await verify(chain, {
      rows: [{ seq: 1, recordBytes: bad, entryHash: Buffer.alloc(32) }],
      notes: [],
    })
    expect(report.firstBad?.message).toContain('not UTF-8')
  })

  it('caps the problem list but keeps firstBad and ok over all problems', async () => {
    const rows = chain.rows.map((row, i) =>
      i % 2 === 0 ? { ...row, entryHash: Buffer.alloc(32) } : row,
    )
    const report = await verify(chain, { rows })
    expect(report.problems).toHaveLength(MAX_REPORTED_PROBLEMS)
    expect(report.firstBad).toMatchObject({ kind: 'entry-hash-mismatch', seq: 1 })
  })

  it('reads a chain whose records need the slow path (non-ASCII, escapes)', async () => {
    const c: TestChain = buildChain({ records: 300, every: 100, seed: 3 })
    const exotic = c.rows.filter((row) => row.recordBytes.some((b) => b >= 0x80 || b === 0x5c))
    expect(exotic.length).toBeGreaterThan(0)
    expect((await verify(c)).problems).toEqual([])
  })
})
