import { setTimeout as sleep } from 'node:timers/promises'
import { generateX25519KeyPair, wrapShare } from '@latch/format'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// Every denial looks the same to the caller (status, headers that matter, body), whatever check
// failed; the reason is in the audit log only.

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(async () => {
  await t.close()
})

interface Attempt {
  readonly name: string
  readonly reason: string
  readonly token: string
  readonly core: string
  readonly jwe: string
}

describe('denials are indistinguishable', () => {
  it('answers the same 403 body for every reason and audits each reason', async () => {
    const ownerToken = await t.user('owner@example.com')
    const outsiderToken = await t.user('outsider@example.com')
    const owner = t.client(ownerToken)
    const data = Buffer.from('x')
    const policy = await owner.createPolicy({})
    const other = await owner.createPolicy({})
    const soon = await owner.createPolicy({ expiresAt: new Date(Date.now() + 1500).toISOString() })
    const a = await encryptFor(owner, policy.id, data)
    const b = await encryptFor(owner, other.id, data)
    const e = await encryptFor(owner, soon.id, data)
    const coreOf = (h: typeof a.header) => Buffer.from(h.coreBytes).toString('base64url')
    const jweOf = (h: typeof a.header) => h.entries[0]?.jwe as string

    // A share wrapped to the server's key for a policy id that does not exist.
    const keys = await owner.keys()
    const jwk = keys.keys[0] as { kid: string; x: string }
    const ghost = await encryptFor(owner, 'p-ghost', data)
    // A JWE naming a key id the server never had.
    const strangerKey = generateX25519KeyPair()
    const unknownKid = wrapShare(
      Buffer.alloc(32, 1),
      { kid: 'x25519-unknown', publicKey: strangerKey.publicKey },
      {
        policyId: policy.id,
        objectId: Buffer.from(a.header.core.objectId).toString('base64url'),
        coreHash: Buffer.from(a.header.coreHash).toString('base64url'),
        sid: 1,
        n: 1,
      },
    )
    // A share wrapped to the server's real key id but with another key: does not open.
    const wrongKey = wrapShare(
      Buffer.alloc(32, 1),
      { kid: jwk.kid, publicKey: strangerKey.publicKey },
      {
        policyId: policy.id,
        objectId: Buffer.from(a.header.core.objectId).toString('base64url'),
        coreHash: Buffer.from(a.header.coreHash).toString('base64url'),
        sid: 1,
        n: 1,
      },
    )
    // A policy an incident lockdown covers (its object is registered in the locked bucket).
    const locked = await owner.createPolicy({})
    const l = await encryptFor(owner, locked.id, data)
    await owner.addPolicyObject(locked.id, {
      objectId: Buffer.from(l.header.core.objectId).toString('base64url'),
      coreHash: Buffer.from(l.header.coreHash).toString('base64url'),
      bucket: 'quarantined',
      key: 'f',
    })
    await t.client(t.adminToken).lockdown({ bucket: 'quarantined', reason: 'incident' })
    await sleep(1600)

    const attempts: Attempt[] = [
      {
        name: 'not a reader',
        reason: 'not_reader',
        token: outsiderToken,
        core: coreOf(a.header),
        jwe: jweOf(a.header),
      },
      {
        name: 'expired',
        reason: 'expired',
        token: ownerToken,
        core: coreOf(e.header),
        jwe: jweOf(e.header),
      },
      {
        name: 'JWE of another object',
        reason: 'binding',
        token: ownerToken,
        core: coreOf(a.header),
        jwe: jweOf(b.header),
      },
      {
        name: 'unknown policy',
        reason: 'policy_unknown',
        token: ownerToken,
        core: coreOf(ghost.header),
        jwe: jweOf(ghost.header),
      },
      {
        name: 'locked down, asked by the owner',
        reason: 'lockdown',
        token: ownerToken,
        core: coreOf(l.header),
        jwe: jweOf(l.header),
      },
      {
        name: 'unknown key id',
        reason: 'key_unknown',
        token: ownerToken,
        core: coreOf(a.header),
        jwe: unknownKid,
      },
      {
        name: 'JWE that does not open',
        reason: 'binding',
        token: ownerToken,
        core: coreOf(a.header),
        jwe: wrongKey,
      },
    ]
    const clientKey = { kty: 'OKP', crv: 'X25519', x: Buffer.alloc(32, 9).toString('base64url') }
    const answers = []
    for (const attempt of attempts) {
      const before = (await t.services.store.auditHead()).size
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/rewrap',
        headers: { authorization: `Bearer ${attempt.token}` },
        payload: { core: attempt.core, jwe: attempt.jwe, clientKey },
      })
      const body = response.json() as Record<string, unknown>
      expect(body.requestId).toBe(response.headers['x-request-id'])
      const { requestId: _requestId, ...rest } = body
      answers.push({
        status: response.statusCode,
        type: response.headers['content-type'],
        body: rest,
        length: response.body.length - String(body.requestId).length,
      })
      const [record] = await t.services.store.readAudit(before, 1)
      const parsed = JSON.parse(Buffer.from(record?.recordBytes ?? []).toString())
      expect(parsed, attempt.name).toMatchObject({
        type: 'key.release.denied',
        decision: 'deny',
        reason: attempt.reason,
        request_id: body.requestId,
      })
    }
    for (const answer of answers) expect(answer).toEqual(answers[0])
    expect(answers[0]).toMatchObject({
      status: 403,
      body: { code: 'ERR_ACCESS_DENIED', message: 'access denied' },
    })
    // The owner still gets the key of the untouched policy: the denials were not a lockout.
    const ok = await t.app.inject({
      method: 'POST',
      url: '/v1/rewrap',
      headers: { authorization: `Bearer ${ownerToken}` },
      payload: { core: coreOf(a.header), jwe: jweOf(a.header), clientKey },
    })
    expect(ok.statusCode).toBe(200)
  })

  it('audits failed authentications on the key-release routes', async () => {
    const before = (await t.services.store.auditHead()).size
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/rewrap',
      headers: { authorization: 'Bearer latch_nope' },
      payload: {},
    })
    expect(response.statusCode).toBe(401)
    const [record] = await t.services.store.readAudit(before, 1)
    expect(JSON.parse(Buffer.from(record?.recordBytes ?? []).toString())).toMatchObject({
      type: 'auth.failed',
      actor: { email: 'unauthenticated' },
      reason: 'invalid',
    })
  })
})
