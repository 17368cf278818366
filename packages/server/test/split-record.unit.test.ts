import { fc, test } from '@fast-check/vitest'
import type { AuditValue } from '@latch/audit'
import { sealRecord } from '@latch/audit'
import { describe, expect, it } from 'vitest'
import { splitRecord } from '../src/store/postgres/split-record.js'

// latch_append (PostgreSQL) puts seq and time into the bytes splitRecord cuts: the result must be
// byte for byte the record sealRecord makes, or the chain would not verify.

const runs = process.env.SLOW === '1' ? 20_000 : 300

const value: fc.Arbitrary<AuditValue> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 }),
  ),
})).value as fc.Arbitrary<AuditValue>

describe('splitRecord', () => {
  test.prop(
    {
      fields: fc.dictionary(fc.string(), value, { maxKeys: 8 }),
      seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      time: fc
        .date({ min: new Date('2000-01-01'), max: new Date('2999-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString()),
    },
    { numRuns: runs },
  )('head ‖ seq ‖ middle ‖ time ‖ tail is the sealed record', ({ fields, seq, time }) => {
    const draft = { ...fields, type: 'key.release' }
    const { head, middle, tail } = splitRecord(draft)
    const joined = Buffer.concat([head, Buffer.from(String(seq)), middle, Buffer.from(time), tail])
    expect(joined.toString('utf8')).toBe(
      sealRecord(draft, seq, time, Buffer.alloc(32)).recordBytes.toString('utf8'),
    )
  })

  it('places seq and time even when the draft carries members of those names, or nested ones', () => {
    const draft = { type: 'x', seq: 99, time: 'b', v: 7, nested: { seq: 1, time: 'a' } }
    const { head, middle, tail } = splitRecord(draft)
    const joined = Buffer.concat([head, Buffer.from('5'), middle, Buffer.from('T'), tail])
    expect(joined.toString()).toBe(
      sealRecord(draft, 5, 'T', Buffer.alloc(32)).recordBytes.toString(),
    )
  })
})
