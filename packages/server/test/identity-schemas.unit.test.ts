import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { identityName, RESERVED_IDENTITIES } from '../src/identity/identity-name.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// An identity has one spelling. Emails, owners and readers are visible ASCII
// (no control, bidi or other non-ASCII character, which could spell a real user's address
// another way: U+212A KELVIN SIGN lower-cases to `k`), and no one is called by a name the audit
// log uses for its own actors.

let t: TestApp
let policyId: string
beforeAll(async () => {
  t = await buildTestApp({ rateLimitMax: 10_000_000 })
  await t.user('kim@example.com')
  policyId = (await t.client(t.adminToken).createPolicy({})).id
})
afterAll(async () => {
  await t.close()
})

const runs = process.env.SLOW === '1' ? 2_000 : 150

/** Characters an identity must not hold. */
const forbidden = fc.oneof(
  fc.integer({ min: 0x00, max: 0x20 }).map((c) => String.fromCharCode(c)), // C0 controls, space
  fc.constant('\x7f'),
  fc.integer({ min: 0x80, max: 0x9f }).map((c) => String.fromCharCode(c)), // C1 controls
  fc.constantFrom(
    ...'\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069'.split(''), // bidi
    '\u212a', // KELVIN SIGN → k
    '\u0130', // İ → i̇
    '\u017f', // LONG S, upper-cases to S
    '\u2028',
    '\ufeff',
    '\u00e9',
    '\u0430', // Cyrillic a
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !/^[\x21-\x7e]$/.test(c)),
)

/** A valid address with one forbidden character put somewhere in it. */
const badEmail = fc
  .tuple(fc.constantFrom('kim@example.com', 'admin@test.local', 'a.b+c@x.org'), fc.nat(), forbidden)
  .map(([email, at, c]) => {
    const i = at % (email.length + 1)
    return email.slice(0, i) + c + email.slice(i)
  })

const reserved = fc.constantFrom(...RESERVED_IDENTITIES, 'SYSTEM', 'Unauthenticated', 'unKnown')

type Send = (value: string) => {
  method: 'GET' | 'POST'
  url: string
  payload?: Record<string, unknown>
}
const e = encodeURIComponent
const routes: Record<string, Send> = {
  'POST /v1/users': (v) => ({ method: 'POST', url: '/v1/users', payload: { email: v } }),
  'POST /v1/users/:email/disable': (v) => ({ method: 'POST', url: `/v1/users/${e(v)}/disable` }),
  'POST /v1/policies (owner)': (v) => ({
    method: 'POST',
    url: '/v1/policies',
    payload: { owner: v },
  }),
  'POST /v1/policies (readers)': (v) => ({
    method: 'POST',
    url: '/v1/policies',
    payload: { readers: [v] },
  }),
  'POST /v1/policies/:id/readers (share)': (v) => ({
    method: 'POST',
    url: `/v1/policies/${policyId}/readers`,
    payload: { add: [v] },
  }),
  'POST /v1/policies/:id/readers (unshare)': (v) => ({
    method: 'POST',
    url: `/v1/policies/${policyId}/readers`,
    payload: { remove: [v] },
  }),
  'POST /v1/tokens': (v) => ({ method: 'POST', url: '/v1/tokens', payload: { email: v } }),
  'GET /v1/tokens': (v) => ({ method: 'GET', url: `/v1/tokens?email=${e(v)}` }),
  'POST /v1/lockdowns (owner)': (v) => ({
    method: 'POST',
    url: '/v1/lockdowns',
    payload: { owner: v, reason: 'test', dryRun: true },
  }),
  'GET /v1/audit/events (actor)': (v) => ({ method: 'GET', url: `/v1/audit/events?actor=${e(v)}` }),
}

async function send(route: Send, value: string) {
  const { method, url, payload } = route(value)
  const response = await t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${t.adminToken}` },
    ...(payload === undefined ? {} : { payload }),
  })
  return { status: response.statusCode, body: response.json() as { code?: string } }
}

describe('identities are visible ASCII, one spelling per user, never a reserved name', () => {
  it.for(Object.keys(routes))(
    '%s answers 400 to an email with a control, bidi or other non-ASCII character, or a reserved name',
    async (name) => {
      const route = routes[name] as Send
      await fc.assert(
        fc.asyncProperty(fc.oneof(badEmail, reserved), async (value) => {
          const { status, body } = await send(route, value)
          expect(status, JSON.stringify(value)).toBe(400)
          expect(body.code).toBe('ERR_REQUEST_INVALID')
        }),
        { numRuns: runs },
      )
    },
  )

  it('a Kelvin-sign spelling of a real user neither collides with nor reaches them', async () => {
    const kelvin = '\u212aim@example.com'
    expect(kelvin.toLowerCase()).toBe('kim@example.com')
    expect((await send(routes['POST /v1/users'] as Send, kelvin)).status).toBe(400)
    expect(
      (await send(routes['POST /v1/policies/:id/readers (share)'] as Send, kelvin)).status,
    ).toBe(400)
    expect((await send(routes['POST /v1/users/:email/disable'] as Send, kelvin)).status).toBe(400)
    const policy = await t.client(t.adminToken).getPolicy(policyId)
    expect(policy.readers).toEqual([])
    const kim = (await t.client(t.adminToken).listUsers()).users.find(
      (u) => u.email === 'kim@example.com',
    )
    expect(kim?.disabledAt).toBeNull()
  })

  it('accepts any visible-ASCII address and stores it in lower case', async () => {
    const part = fc.stringMatching(/^[\x21-\x3f\x41-\x7e]{1,20}$/)
    await fc.assert(
      fc.asyncProperty(part, part, async (local, domain) => {
        const email = `${local}@${domain}`
        const { status } = await send(routes['POST /v1/users'] as Send, email)
        expect([201, 409], email).toContain(status)
        const users = (await t.client(t.adminToken).listUsers()).users.map((u) => u.email)
        expect(users).toContain(email.toLowerCase())
      }),
      { numRuns: 50 },
    )
  })
})

describe('identityName', () => {
  it('lower-cases an email or a name and refuses what has another spelling or is reserved', () => {
    expect(identityName('Alice@Example.COM', 'email')).toBe('alice@example.com')
    expect(identityName('Carol.Admin', 'name')).toBe('carol.admin')
    expect(identityName('carol admin', 'name')).toBeUndefined()
    expect(identityName('carol', 'email')).toBeUndefined()
    expect(identityName('admin@latch.\u212aocal', 'email')).toBeUndefined()
    expect(identityName('System', 'name')).toBeUndefined()
    expect(identityName('unauthenticated', 'name')).toBeUndefined()
    expect(identityName('', 'name')).toBeUndefined()
    expect(identityName(`${'a'.repeat(309)}@example.com`, 'email')).toBeUndefined()
    expect(identityName(42, 'name')).toBeUndefined()
    fc.assert(
      fc.property(fc.oneof(badEmail, reserved), (value) => {
        expect(identityName(value, 'email')).toBeUndefined()
        expect(identityName(value, 'name')).toBeUndefined()
      }),
    )
  })
})
