import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// Reasons and label values end up on terminals (`latch audit`, `latch audit report`,
// `latch policy show`, `latch lockdown list`). A reason holding CR, ESC or U+202E could forge a
// line of a report or hide its conclusion, so the server takes printable text only in those fields:
// one schema (`PrintableTextSchema`) for all of them.

let t: TestApp
let policyId: string
const auth = () => ({ authorization: `Bearer ${t.adminToken}` })
const runs = process.env.SLOW === '1' ? 2_000 : 100

beforeAll(async () => {
  t = await buildTestApp({ rateLimitMax: 10_000_000 })
  policyId = (await t.client(t.adminToken).createPolicy({})).id
})
afterAll(async () => {
  await t.close()
})

const post = (url: string, payload: unknown) =>
  t.app.inject({
    method: 'POST',
    url,
    headers: auth(),
    payload: payload as Record<string, unknown>,
  })

/** Every free-text field a person types and others read: the request that carries `text`. */
const fields: Record<string, (text: string) => ReturnType<typeof post>> = {
  'revoke reason': (text) => post(`/v1/policies/${policyId}/revoke`, { reason: text }),
  'unrevoke reason': (text) => post(`/v1/policies/${policyId}/unrevoke`, { reason: text }),
  'lockdown reason': (text) => post('/v1/lockdowns', { all: true, reason: text, dryRun: true }),
  'lockdown lift reason': (text) =>
    post('/v1/lockdowns/ld_00000000000000000000/lift', { reason: text }),
  'label value': (text) => post('/v1/policies', { labels: { project: text } }),
}

const unprintable = fc
  .oneof(
    fc.integer({ min: 0x00, max: 0x1f }),
    fc.integer({ min: 0x7f, max: 0x9f }),
    fc.constantFrom(0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e),
    fc.constantFrom(0x2066, 0x2067, 0x2068, 0x2069, 0x2028, 0x2029),
    fc.integer({ min: 0xd800, max: 0xdfff }),
  )
  .map((code) => String.fromCharCode(code))

// Printable text of any script: letters, digits, punctuation, emoji (with their joiners).
const FORBIDDEN = /[\p{Cc}\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u
const printable = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((s) => !FORBIDDEN.test(s) && !/\p{Cs}/u.test(s))

describe('reasons and labels with control or bidi characters are refused with 400', () => {
  for (const [field, send] of Object.entries(fields)) {
    it(`${field}: CR, ESC [2K and U+202E → 400 ERR_REQUEST_INVALID`, async () => {
      for (const text of ['ok\rConclusion: nobody', 'x\u001b[2K', 'txt.\u202eexe', 'a\nb', '\t']) {
        const answer = await send(text)
        expect(answer.statusCode, `${JSON.stringify(text)}: ${answer.body}`).toBe(400)
        expect(answer.json()).toMatchObject({ code: 'ERR_REQUEST_INVALID' })
      }
    })

    it(`${field}: any control, bidi control, line separator or lone surrogate → 400 (fast-check)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ maxLength: 20 }),
          unprintable,
          fc.string({ maxLength: 20 }),
          async (before, bad, after) => {
            const answer = await send(before + bad + after)
            expect(answer.statusCode).toBe(400)
            expect(answer.json()).toMatchObject({ code: 'ERR_REQUEST_INVALID' })
          },
        ),
        { numRuns: runs },
      )
    })
  }

  it('takes printable text of any script, and keeps it exactly (fast-check)', async () => {
    const lockdown = fields['lockdown reason'] as (text: string) => ReturnType<typeof post>
    await fc.assert(
      fc.asyncProperty(printable, async (text) => {
        const revoked = await post(`/v1/policies/${policyId}/revoke`, { reason: text })
        expect(revoked.statusCode, revoked.body).toBe(200)
        expect(revoked.json()).toMatchObject({ revoked: { reason: text } })
        expect((await post(`/v1/policies/${policyId}/unrevoke`, { reason: text })).statusCode).toBe(
          200,
        )
        expect((await lockdown(text)).statusCode).toBe(200)
        const labelled = await post('/v1/policies', { labels: { project: text } })
        expect(labelled.statusCode, labelled.body).toBe(201)
        expect(labelled.json()).toMatchObject({ labels: { project: text } })
      }),
      { numRuns: runs },
    )
    const rule = await post('/v1/lockdowns', {
      owner: 'nobody@example.com',
      reason: 'INC-7 ключ 鍵 🔑',
    })
    expect(rule.statusCode).toBe(201)
    const lifted = await post(`/v1/lockdowns/${(rule.json() as { id: string }).id}/lift`, {
      reason: 'résolu — تم 👨‍👩‍👧',
    })
    expect(lifted.statusCode, lifted.body).toBe(200)
    expect(lifted.json()).toMatchObject({ lifted: { reason: 'résolu — تم 👨‍👩‍👧' } })
  })
})
