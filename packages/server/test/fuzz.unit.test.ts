import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// Arbitrary request bodies and headers never produce a 5xx or a crash.

let t: TestApp
let token: string
let validCore: string
let validJwe: string
let policyId: string
beforeAll(async () => {
  t = await buildTestApp({ rateLimitMax: 10_000_000 })
  token = await t.user('fuzz@example.com')
  const owner = t.client(token)
  const policy = await owner.createPolicy({})
  policyId = policy.id
  const { header } = await encryptFor(owner, policy.id, Buffer.from('x'))
  validCore = Buffer.from(header.coreBytes).toString('base64url')
  validJwe = header.entries[0]?.jwe as string
})
afterAll(async () => {
  await t.close()
})

const runs = process.env.SLOW === '1' ? 5_000 : 300

const json = fc.jsonValue({ maxDepth: 3 })
const mutatedString = (valid: () => string) =>
  fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
      const s = valid()
      const i = at % Math.max(s.length, 1)
      return s.slice(0, i) + String.fromCharCode(byte) + s.slice(i + 1)
    }),
    fc.nat().map((n) => valid().slice(0, n % (valid().length + 1))),
  )
const rewrapBody = fc.record(
  {
    core: mutatedString(() => validCore),
    jwe: mutatedString(() => validJwe),
    clientKey: fc.oneof(
      json,
      fc.record({
        kty: fc.constantFrom('OKP', 'EC', ''),
        crv: fc.constantFrom('X25519', 'Ed25519'),
        x: fc.base64String({ maxLength: 60 }),
      }),
    ),
    extra: json,
  },
  { requiredKeys: [] },
)

// Claimed policy creations, mostly near-valid: a claim, an object, an owner, a time.
const claimedPolicy = fc.record(
  {
    claim: mutatedString(() => 'C'.repeat(43)),
    object: fc.record(
      {
        objectId: mutatedString(() => 'A'.repeat(22)),
        coreHash: mutatedString(() => 'B'.repeat(43)),
        bucket: fc.string({ maxLength: 10 }),
        key: fc.string({ maxLength: 10 }),
      },
      { requiredKeys: ['objectId', 'coreHash'] },
    ),
    owner: fc.oneof(fc.constant('other@example.com'), fc.string({ maxLength: 20 })),
    expiresAt: mutatedString(() => '2031-01-31T18:00:00Z'),
    readers: fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 }),
    split: json,
  },
  { requiredKeys: ['claim'] },
)

const routes = [
  ['POST', '/v1/rewrap'],
  ['POST', '/v1/rewrap/batch'],
  ['POST', '/v1/policies'],
  ['POST', '/v1/policies/batch'],
  ['POST', '/v1/users'],
  ['POST', '/v1/tokens'],
  ['GET', '/v1/audit/records'],
  ['POST', '/v1/policies/p-x/objects'],
  ['POST', '/v1/lockdowns'],
  ['POST', '/v1/lockdowns/ld_00000000000000000000/lift'],
  ['GET', '/v1/audit/events'],
  // The newer and tightened schemas: OIDC links, reasons, times (on a real policy, so bodies
  // reach the handler; as its owner and as an admin).
  ['POST', '/v1/users/fuzz@example.com/oidc'],
  ['POST', '/v1/policies/:policy/revoke'],
  ['POST', '/v1/policies/:policy/unrevoke'],
  ['POST', '/v1/policies/:policy/expiry'],
  ['POST', '/v1/policies/:policy/readers'],
] as const

describe('fuzzed requests', () => {
  it(`never answers 5xx to arbitrary bodies, query strings and headers (${runs} runs per property)`, async () => {
    let executions = 0
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          json,
          rewrapBody,
          fc.record({ requests: fc.array(rewrapBody, { maxLength: 3 }), clientKey: json }),
          fc.record({ requests: fc.array(claimedPolicy, { maxLength: 3 }) }),
        ),
        fc.string({ maxLength: 40 }),
        fc.oneof(
          fc.constant(`Bearer ${token}`),
          fc.constant(`Bearer ${t.adminToken}`),
          fc.string({ maxLength: 80 }),
        ),
        async ([method, route], body, query, authorization) => {
          executions++
          const url = route.replace(':policy', policyId)
          const response = await t.app.inject({
            method,
            url: `${url}?${encodeURIComponent(query)}=${encodeURIComponent(query)}`,
            headers: {
              authorization: authorization.replace(/[^\x20-\x7e]/g, ''),
              'content-type': 'application/json',
            },
            payload: JSON.stringify(body),
          })
          expect(response.statusCode, response.body).toBeLessThan(500)
          expect(response.json()).toBeTypeOf('object')
        },
      ),
      { numRuns: runs },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.constantFrom(...routes),
        async (bytes, [method, route]) => {
          executions++
          const response = await t.app.inject({
            method,
            url: route.replace(':policy', policyId),
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            payload: Buffer.from(bytes),
          })
          expect(response.statusCode, response.body).toBeLessThan(500)
        },
      ),
      { numRuns: runs },
    )
    expect(executions).toBeGreaterThanOrEqual(2 * runs)
    expect((await t.app.inject('/healthz')).statusCode).toBe(200)
  })

  it(`answers malformed queries of the console's routes 400 with a stable code, never 5xx (${runs} runs)`, async () => {
    const listed = await t.app.inject({
      url: '/v1/policies?limit=1',
      headers: { authorization: `Bearer ${token}` },
    })
    const validCursor = 'eyJ2IjoxfQ'
    const cursor = (listed.json() as { nextCursor: string | null }).nextCursor ?? validCursor
    const value = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom('', '0', '-1', '201', '1e3', 'true', '*@x', 'a=b', '2030-02-30T00:00:00Z'),
      fc.integer().map(String),
      mutatedString(() => cursor),
      mutatedString(() => '2030-01-31T18:00:00Z'),
    )
    const names = [
      'owner',
      'reader',
      'bucket',
      'prefix',
      'label',
      'state',
      'q',
      'limit',
      'cursor',
      'total',
      'since',
      'until',
      'policy',
      'order',
      'before',
      'after',
      'type',
      'actor',
    ]
    const urls = [
      '/v1/policies',
      '/v1/overview',
      `/v1/policies/${policyId}/report`,
      '/v1/audit/export',
      '/v1/audit/events',
    ]
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...urls),
        fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 5 }),
        fc.constantFrom(token, t.adminToken),
        async (url, pairs, bearer) => {
          const query = new URLSearchParams(pairs).toString()
          const response = await t.app.inject({
            url: `${url.replace(':policy', policyId)}?${query}`,
            headers: { authorization: `Bearer ${bearer}` },
          })
          expect(response.statusCode, `${url}?${query}`).toBeLessThan(500)
          if (response.statusCode === 400) {
            expect(['ERR_REQUEST_INVALID', 'ERR_CURSOR_INVALID']).toContain(response.json().code)
            expect(response.json()).toEqual({
              code: expect.any(String),
              message: expect.any(String),
              requestId: response.headers['x-request-id'],
            })
          }
        },
      ),
      { numRuns: runs },
    )
  })
})
