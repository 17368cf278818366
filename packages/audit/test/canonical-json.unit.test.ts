import { fc, test } from '@fast-check/vitest'
import { type AuditValue, canonicalJson } from '@latch/audit'
import { describe, expect, it } from 'vitest'
import { scanCanonicalRecord } from '../src/internal/scan-canonical-record.js'

// A low number of runs by default; SLOW=1 runs many more.
const runs = (n: number) => ({ numRuns: process.env.SLOW === '1' ? n * 50 : n })

const auditValue: fc.Arbitrary<AuditValue> = fc.letrec<{ value: AuditValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.integer({ min: -1000, max: 1000 }),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value

describe('canonicalJson (RFC 8785 for audit values)', () => {
  it('writes scalars, arrays and objects without whitespace', () => {
    expect(canonicalJson(null)).toBe('null')
    expect(canonicalJson(true)).toBe('true')
    expect(canonicalJson(false)).toBe('false')
    expect(canonicalJson(0)).toBe('0')
    expect(canonicalJson(-0)).toBe('0')
    expect(canonicalJson(-42)).toBe('-42')
    expect(canonicalJson(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991')
    expect(canonicalJson(Number.MIN_SAFE_INTEGER)).toBe('-9007199254740991')
    expect(canonicalJson([])).toBe('[]')
    expect(canonicalJson({})).toBe('{}')
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: true })).toBe(
      '{"a":true,"b":[1,{"c":"x","d":null}]}',
    )
  })

  it('sorts member names by UTF-16 code units (the RFC 8785 §3.2.3 example)', () => {
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    }
    expect(canonicalJson(value)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
  })

  it('sorts integer-like names as strings, not in property order', () => {
    expect(canonicalJson({ '10': 1, '9': 2, a: 3, '1': 4 })).toBe('{"1":4,"10":1,"9":2,"a":3}')
  })

  it('escapes strings as JSON.stringify does, and writes the rest of Unicode as is', () => {
    expect(canonicalJson('"\\/\b\f\n\r\t')).toBe('"\\"\\\\/\\b\\f\\n\\r\\t"')
    expect(canonicalJson('\u0000\u0001\u001f\u007f')).toBe('"\\u0000\\u0001\\u001f\u007f"')
    expect(canonicalJson('café 😀 \u2028\u2029')).toBe('"café 😀 \u2028\u2029"')
    // A lone surrogate is escaped, so it survives the UTF-8 round trip.
    expect(canonicalJson('\ud800x\udc00')).toBe('"\\ud800x\\udc00"')
    expect(Buffer.from(canonicalJson('\ud800'), 'utf8').toString('utf8')).toBe('"\\ud800"')
  })

  it('accepts an object with a null prototype', () => {
    const value = Object.assign(Object.create(null) as Record<string, AuditValue>, { b: 1, a: 2 })
    expect(canonicalJson(value)).toBe('{"a":2,"b":1}')
  })

  it('rejects values outside the audit domain with ERR_AUDIT_ARGUMENT_INVALID', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    let deep: unknown = 1
    for (let i = 0; i < 33; i++) deep = [deep]
    const bad: [unknown, RegExp][] = [
      [1.5, /not a safe integer/],
      [Number.NaN, /not a safe integer/],
      [Number.POSITIVE_INFINITY, /not a safe integer/],
      [2 ** 53, /not a safe integer/],
      [1e21, /not a safe integer/],
      [{ a: { n: 0.1 } }, /n is not a safe integer/],
      [undefined, /undefined/],
      [{ a: 1, gone: undefined }, /gone is undefined/],
      [[1, undefined], /undefined/],
      [new Array(2), /undefined/],
      [() => 1, /function/],
      [Symbol('s'), /symbol/],
      [10n, /bigint/],
      [new Date(0), /not a plain object/],
      [new Map(), /not a plain object/],
      [Buffer.from('x'), /not a plain object/],
      [new (class Thing {})(), /not a plain object/],
      [cyclic, /nested more than 32/],
      [deep, /nested more than 32/],
    ]
    for (const [value, reason] of bad) {
      expect(() => canonicalJson(value as AuditValue), String(reason)).toThrowError(
        expect.objectContaining({
          code: 'ERR_AUDIT_ARGUMENT_INVALID',
          message: expect.stringMatching(reason),
        }),
      )
    }
  })

  it('accepts nesting up to 32 levels', () => {
    let deep: AuditValue = 1
    for (let i = 0; i < 32; i++) deep = [deep]
    expect(canonicalJson(deep)).toBe(`${'['.repeat(32)}1${']'.repeat(32)}`)
  })

  test.prop([auditValue], runs(300))(
    'parses back to the same value and is a fixed point',
    (value) => {
      const text = canonicalJson(value)
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)))
      expect(canonicalJson(JSON.parse(text) as AuditValue)).toBe(text)
      expect(text).not.toMatch(/^\s|\s$/)
    },
  )

  test.prop(
    [fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.nat(), { maxKeys: 8 })],
    runs(300),
  )('orders members by UTF-16 code units', (object) => {
    const names = Object.keys(object).sort((x, y) => {
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const d = x.charCodeAt(i) - y.charCodeAt(i)
        if (d !== 0) return d
      }
      return x.length - y.length
    })
    const members = names.map((name) => `${JSON.stringify(name)}:${object[name]}`)
    expect(canonicalJson(object)).toBe(`{${members.join(',')}}`)
  })
})

describe('scanCanonicalRecord (the verifier fast path) agrees with the reference check', () => {
  /** The reference: what `verifyAuditLog` falls back to. */
  function reference(bytes: Uint8Array): number | undefined {
    let text: string
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
    } catch {
      return undefined
    }
    let value: unknown
    try {
      value = JSON.parse(text)
      if (canonicalJson(value as AuditValue) !== text) return undefined
    } catch {
      return undefined
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
    const seq = (value as { seq?: unknown }).seq
    return typeof seq === 'number' ? seq : undefined
  }

  const records = fc
    .tuple(
      fc.dictionary(fc.string({ maxLength: 8 }), auditValue, { maxKeys: 6 }),
      fc.maxSafeInteger(),
    )
    .map(([fields, seq]) => Buffer.from(canonicalJson({ ...fields, seq }), 'utf8'))

  test.prop([records], runs(500))(
    'accepts only what the reference accepts, with the same seq',
    (bytes) => {
      const fast = scanCanonicalRecord(bytes)
      if (fast !== undefined) expect(fast).toBe(reference(bytes))
      expect(reference(bytes)).toBeDefined()
    },
  )

  test.prop(
    [
      records,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 3,
      }),
    ],
    runs(1000),
  )('never accepts an edited record the reference rejects', (bytes, edits) => {
    const edited = Buffer.from(bytes)
    for (const [at, value] of edits) edited[at % edited.length] = value
    const fast = scanCanonicalRecord(edited)
    if (fast !== undefined) expect(fast).toBe(reference(edited))
  })

  it('takes the fast path for typical ASCII records', () => {
    const record = canonicalJson({
      actor: { email: 'a@example.com', scheme: 'bearer' },
      matched: [1, -2, 0],
      ok: true,
      none: null,
      seq: 123456789012345,
      type: 'key.release',
    })
    expect(scanCanonicalRecord(Buffer.from(record))).toBe(123456789012345)
    expect(scanCanonicalRecord(Buffer.from('{"seq":-7}'))).toBe(-7)
  })

  it('leaves everything unusual to the reference', () => {
    const undecided = [
      '{"seq":1,"a":2}', // members out of order
      '{"a":1,"a":2,"seq":1}', // duplicate member
      '{"seq":1 }',
      '{"seq":01}',
      '{"seq":-0}',
      '{"seq":1.0}',
      '{"seq":1e3}',
      '{"seq":1234567890123456}', // 16 digits: the reference decides
      '{"s":"\\u0041","seq":1}',
      '{"s":"é","seq":1}',
      '{"seq":1}x',
      '[{"seq":1}]',
      '{"a":tru,"seq":1}',
      '{"seq":"1"}',
      '{"v":1}',
      `{"a":${'['.repeat(17)}${']'.repeat(17)},"seq":1}`,
    ]
    for (const text of undecided)
      expect(scanCanonicalRecord(Buffer.from(text)), text).toBeUndefined()
  })
})
