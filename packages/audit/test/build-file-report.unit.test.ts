import { AUDIT_TIME_TOLERANCE_MS, AuditError, type AuditRow, buildFileReport } from '@latch/audit'
import { describe, expect, it } from 'vitest'
import { buildChain, key, recordOf, T0 } from './audit-chain.js'

// 3,000 records timed T0 + seq × 10 ms, checkpoints every 500 (timed like their last record).
const chain = buildChain({ records: 3000, every: 500, seed: 5 })
const policyId = recordOf(chain.rows[1199] as AuditRow).policy_id as string

function report(since: number, until: number) {
  return buildFileReport({
    policyId,
    since: new Date(since),
    until: new Date(until),
    origin: chain.origin,
    key,
    notes: chain.notes,
    rows: async function* (after, upTo) {
      yield* chain.rows.slice(after, upTo)
    },
  })
}

describe('the per-file report over a window', () => {
  it('lists the file’s records in the window from a stretch verified between two checkpoints', async () => {
    const built = await report(T0 + 10_000, T0 + 13_000)
    expect(built.verification).toMatchObject({ ok: true, problems: [] })
    expect(built.from.size).toBe(500)
    // The first checkpoint timed the tolerance after the window's end.
    expect(built.to.size).toBe(Math.ceil((1300 + AUDIT_TIME_TOLERANCE_MS / 10) / 500) * 500)
    expect(built.events.map((e) => e.seq)).toContain(1200)
    for (const event of built.events) {
      expect(event.policy_id).toBe(policyId)
      expect(Date.parse(event.time)).toBeGreaterThanOrEqual(T0 + 10_000)
      expect(Date.parse(event.time)).toBeLessThan(T0 + 13_000)
    }
  })

  it('says to sign a checkpoint and retry when none is signed long enough after the window', async () => {
    const error = await report(T0, T0 + 30_000 - AUDIT_TIME_TOLERANCE_MS + 1).catch((e) => e)
    expect(error).toBeInstanceOf(AuditError)
    expect(error).toMatchObject({
      code: 'ERR_AUDIT_CHECKPOINT_MISSING',
      message: expect.stringMatching(/sign one .* and retry$/),
    })
  })

  it('refuses a window that ends before it starts', async () => {
    await expect(report(T0 + 5000, T0 + 5000)).rejects.toMatchObject({
      code: 'ERR_AUDIT_ARGUMENT_INVALID',
    })
  })
})
