import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { auditLine } from '../src/audit-line.js'
import { printable } from '../src/printable.js'
import { table } from '../src/table.js'

// What the CLI prints from server data goes through one function, which turns every control, bidi
// and invisible format character into visible text.

const runs = process.env.SLOW === '1' ? 20_000 : 1_000

// What must never reach a terminal raw: C0, DEL, C1, format characters (bidi controls,
// zero-width characters, U+FEFF, tags), U+2028/U+2029, lone surrogates.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u

/** Undoes {@link printable} for text without backslashes of its own. */
function unprintable(text: string): string {
  return text.replace(/\\x([0-9a-f]{2})|\\u\{([0-9a-f]{4,6})\}/g, (_, x?: string, u?: string) =>
    String.fromCodePoint(Number.parseInt((x ?? u) as string, 16)),
  )
}

const anyText = fc.string({ unit: 'binary', maxLength: 60 })
const hostile = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)),
      fc
        .constantFrom(0x061c, 0x200b, 0x200d, 0x200e, 0x200f, 0x202e, 0x2066, 0x2069, 0x2028)
        .map((c) => String.fromCharCode(c)),
      fc.constantFrom('\u2029', '\ufeff', '\u{e0041}', '\ud800', '\udfff', '\u001b[2K', '\r\n'),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''))

describe('printable() — no server text can drive the terminal', () => {
  it('leaves no control, bidi, invisible format or separator character (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, hostile), (text) => {
        const out = printable(text)
        expect(out).not.toMatch(UNSAFE)
        expect(out).not.toMatch(/\p{Cs}/u)
      }),
      { numRuns: runs },
    )
  })

  it('is reversible enough to read: the escapes decode back to the input (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyText, hostile).filter((t) => !t.includes('\\')),
        (text) => {
          expect(unprintable(printable(text))).toBe(text)
        },
      ),
      { numRuns: runs },
    )
  })

  it('leaves printable text of any script alone, and escaping twice changes nothing', () => {
    for (const text of [
      'alice@example.com',
      'INC-7 ключ 鍵 تم',
      's3://b/dir\\file (1).csv',
      '🔑',
    ]) {
      expect(printable(text)).toBe(text)
    }
    fc.assert(
      fc.property(hostile, (text) => {
        expect(printable(printable(text))).toBe(printable(text))
      }),
      { numRuns: runs },
    )
  })

  it('writes each kind of escape as visible text', () => {
    expect(printable('ok\r\u001b[2KConclusion: nobody\n\t')).toBe(
      'ok\\x0d\\x1b[2KConclusion: nobody\\x0a\\x09',
    )
    expect(printable('\u007f\u0085\u009b')).toBe('\\x7f\\x85\\x9b')
    expect(printable('txt.\u202Eexe \u2066x\u2069 \u061c\u200e\u200f')).toBe(
      'txt.\\u{202e}exe \\u{2066}x\\u{2069} \\u{061c}\\u{200e}\\u{200f}',
    )
    expect(printable('a\u2028b\u2029c\u200bd\ufeffe\u{e0041}\ud800')).toBe(
      'a\\u{2028}b\\u{2029}c\\u{200b}d\\u{feff}e\\u{e0041}\\u{d800}',
    )
  })

  it('table() escapes every cell, so a cell cannot add a row or shift the columns', () => {
    const out = table(
      ['EMAIL', 'REASON'],
      [['mallory@example.com', 'fine\r\nadmin@example.com  active\u001b[2K']],
    )
    // The header, one row, and the final newline.
    expect(out.split('\n')).toHaveLength(3)
    for (const line of out.split('\n')) expect(line).not.toMatch(UNSAFE)
    expect(out).toContain('fine\\x0d\\x0aadmin@example.com  active\\x1b[2K')
  })

  it('auditLine() escapes every column, the detail too', () => {
    const line = auditLine({
      v: 1,
      seq: 7,
      time: '2030-01-01T00:00:00.000Z',
      type: 'policy.revoke',
      actor: { email: 'm\u001b]0;pwned\u0007@x', scheme: 'token' },
      policy_id: 'p-1',
      reason: 'ok\rConclusion: nobody obtained the key\u202e',
      before: { revoked: false },
      after: { revoked: true },
    } as never)
    expect(line).not.toMatch(UNSAFE)
    expect(line).toContain('m\\x1b]0;pwned\\x07@x')
    expect(line).toContain('"ok\\x0dConclusion: nobody obtained the key\\u{202e}"')
  })
})
