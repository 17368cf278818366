import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readerEntriesFor } from '../src/policy/reader-entries-for.js'
import { readerMatches } from '../src/policy/reader-matches.js'

// The stores find the policies an email reads by the entries readerEntriesFor gives: exactly the
// entries readerMatches, the key decision's rule, accepts for that email.

const part = fc.stringMatching(/^[a-z0-9.*-]{1,6}$/)
const email = fc.tuple(part, part).map(([local, domain]) => `${local}@${domain}`)
const entry = fc.oneof(
  email,
  part.map((domain) => `*@${domain}`),
)

describe('readerEntriesFor', () => {
  it('gives exactly the entries readerMatches accepts for an email', () => {
    fc.assert(
      fc.property(email, fc.array(entry, { maxLength: 8 }), (who, entries) => {
        const named = new Set(readerEntriesFor(who))
        for (const e of entries) expect(named.has(e), `${e} for ${who}`).toBe(readerMatches(e, who))
        for (const e of named) expect(readerMatches(e, who)).toBe(true)
      }),
      { numRuns: process.env.SLOW === '1' ? 20_000 : 1_000 },
    )
  })

  it('names the address and its domain, and a *@domain entry only itself', () => {
    expect(readerEntriesFor('bob@example.com')).toEqual(['bob@example.com', '*@example.com'])
    expect(readerEntriesFor('*@example.com')).toEqual(['*@example.com'])
    expect(readerMatches('*@example.com', 'bob@sub.example.com')).toBe(false)
    expect(readerEntriesFor('bob@sub.example.com')).not.toContain('*@example.com')
  })
})
