import {
  AUDIT_TIME_TOLERANCE_MS,
  type AuditRow,
  type AuditValue,
  genesisHash,
  verifyAuditLog,
} from '@latch/audit'
import { describe, expect, it } from 'vitest'
import { key, noteFor, ORIGIN, rehashFrom, rowOf, T0 } from './audit-chain.js'

/**
 * A chain written as a store writes it, every hash and note valid, with the record and
 * checkpoint times given: `events` lists record times (ms after T0) and checkpoints
 * (`{ checkpoint: ms after T0 }`, signing the records before it).
 */
function buildChain(events: readonly (number | { checkpoint: number } | { record: AuditValue })[]) {
  const rows: AuditRow[] = []
  const notes: string[] = []
  let head: Uint8Array = genesisHash(ORIGIN)
  for (const event of events) {
    if (typeof event === 'object' && 'checkpoint' in event) {
      notes.push(
        noteFor({
          size: rows.length,
          headHash: head,
          time: new Date(T0 + event.checkpoint),
          ...(notes.length === 0 ? {} : { previous: notes.at(-1) as string }),
        }),
      )
      continue
    }
    const seq = rows.length + 1
    const record: AuditValue =
      typeof event === 'number'
        ? {
            v: 1,
            seq,
            time: new Date(T0 + event).toISOString(),
            type: 'key.release',
            policy_id: 'p-1',
          }
        : { v: 1, seq, type: 'key.release', ...(event.record as Record<string, AuditValue>) }
    const row = rowOf(record, seq, head)
    rows.push(row)
    head = row.entryHash
  }
  return { rows, notes, head }
}

/** Verifies a chain from {@link buildChain}, whole or between two of its checkpoints. */
function verify(
  chain: ReturnType<typeof buildChain>,
  window?: { from: { size: number; headHash: Uint8Array }; to: number },
) {
  return verifyAuditLog({
    origin: ORIGIN,
    rows: window === undefined ? chain.rows : chain.rows.slice(window.from.size, window.to),
    notes: chain.notes,
    key,
    now: new Date(T0 + 20_000),
    ...window,
  })
}

const chainOf = (events: Parameters<typeof buildChain>[0]) => verify(buildChain(events))

const TOLERANCE = AUDIT_TIME_TOLERANCE_MS

describe('the verifier checks record times against the checkpoints around them', () => {
  it('names a record timed more than the tolerance before the checkpoint that precedes it', async () => {
    const report = await chainOf([
      1_000,
      2_000,
      { checkpoint: 10_000 },
      3_000,
      10_000 - TOLERANCE - 1, // record 4: 1 ms too early
      11_000,
      { checkpoint: 12_000 },
    ])
    expect(report.ok).toBe(false)
    expect(report.problems).toEqual([
      {
        seq: 3,
        checkpoint: undefined,
        kind: 'record-time',
        message: `record 3 is timed 2026-11-27T10:00:03.000Z, more than 5 s before checkpoint #0 (2026-11-27T10:00:10.000Z) that precedes it in the chain`,
      },
    ])
    expect(report.firstBad?.seq).toBe(3)
  })

  it('accepts records timed up to the tolerance before the checkpoint that precedes them', async () => {
    const report = await chainOf([
      1_000,
      { checkpoint: 10_000 },
      10_000 - TOLERANCE, // exactly the tolerance: a decision that stalled 5 s
      9_999,
      10_000,
      { checkpoint: 10_000 },
      { checkpoint: 12_000 },
      7_000,
      { checkpoint: 12_000 },
    ])
    expect(report.problems).toEqual([])
    expect(report.ok).toBe(true)
  })

  it('names a record the checkpoint that covers it is timed before, whatever the checkpoint after', async () => {
    const report = await chainOf([
      1_000,
      9_000, // record 2
      5_000,
      { checkpoint: 8_000 }, // covers record 2, timed before it
      9_500,
      { checkpoint: 9_500 },
    ])
    expect(report.problems).toEqual([
      {
        seq: 2,
        checkpoint: 0,
        kind: 'record-time',
        message:
          'checkpoint #0 (size 3) is timed 2026-11-27T10:00:08.000Z, before record 2 it covers (2026-11-27T10:00:09.000Z)',
      },
    ])
  })

  it('names a record with no time, or one not written as the stores write it', async () => {
    for (const time of [undefined, '2026-11-27T10:00:01Z', '2026-02-30T10:00:01.000Z', 17]) {
      const record = time === undefined ? {} : { time }
      const report = await chainOf([1_000, { record }, 2_000, { checkpoint: 3_000 }])
      expect(report.problems).toHaveLength(1)
      expect(report.problems[0]).toMatchObject({ seq: 2, kind: 'record-time' })
    }
  })

  it('names an early record of the unsigned tail too, and of a window as the whole walk does', async () => {
    const tail = await chainOf([1_000, { checkpoint: 10_000 }, 4_000])
    expect(tail.problems).toMatchObject([{ seq: 2, kind: 'record-time' }])

    const chain = buildChain([
      1_000,
      { checkpoint: 10_000 },
      11_000,
      { checkpoint: 12_000 },
      6_000, // record 3
      { checkpoint: 13_000 },
    ])
    const whole = await verify(chain)
    expect(whole.problems).toMatchObject([{ seq: 3, kind: 'record-time' }])
    const second = chain.rows[1] as AuditRow
    const window = await verify(chain, {
      from: { size: 2, headHash: second.entryHash },
      to: 3,
    })
    expect(window.problems).toEqual(whole.problems)
  })

  it('does not name the time of a record changed after signing: the checkpoint mismatch is the problem', async () => {
    const chain = buildChain([1_000, { checkpoint: 2_000 }, 3_000, 4_000, { checkpoint: 5_000 }])
    const edited = chain.rows.map((row) =>
      row.seq === 2
        ? rowOf(
            {
              v: 1,
              seq: 2,
              time: new Date(T0 - 10_000).toISOString(),
              type: 'key.release',
              policy_id: 'p-1',
            },
            2,
            (chain.rows[0] as AuditRow).entryHash,
          )
        : row,
    )
    const report = await verify({ ...chain, rows: rehashFrom(ORIGIN, edited, 1) })
    expect(report.problems).toMatchObject([{ seq: 2, kind: 'checkpoint-mismatch', checkpoint: 1 }])
  })
})
