import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { KeyServerError, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

let t: TestApp
beforeEach(async () => {
  t = await buildTestApp()
})
afterEach(async () => {
  await t.close()
})

const data = Buffer.from('customer file: Jane Doe, 1 Main St')

async function denied(promise: Promise<unknown>, code: string): Promise<KeyServerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KeyServerError)
  expect((error as KeyServerError).code).toBe(code)
  return error as KeyServerError
}

describe('operations', () => {
  it('answers /healthz, /metrics and the OpenAPI document of every /v1 route', async () => {
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' })
    const metrics = await t.app.inject('/metrics')
    expect(metrics.statusCode).toBe(200)
    expect(metrics.body).toContain('latch_key_decisions_total')
    const openapi = (await t.app.inject('/openapi.json')).json() as {
      paths: Record<string, unknown>
    }
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/v1/rewrap',
        '/v1/rewrap/batch',
        '/v1/policies',
        '/v1/policies/{id}',
        '/v1/keys',
        '/v1/users',
        '/v1/audit/records',
      ]),
    )
  })

  it('answers unknown routes and malformed bodies with stable JSON errors, never 500', async () => {
    const token = { authorization: `Bearer ${t.adminToken}` }
    const missing = await t.app.inject({ url: '/v2/nothing', headers: token })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'ERR_NOT_FOUND' })
    const notJson = await t.app.inject({
      method: 'POST',
      url: '/v1/policies',
      headers: { ...token, 'content-type': 'application/json' },
      payload: '{"readers": [',
    })
    expect(notJson.statusCode).toBe(400)
    expect(notJson.json()).toMatchObject({ code: 'ERR_REQUEST_INVALID' })
    const big = await t.app.inject({
      method: 'POST',
      url: '/v1/policies',
      headers: { ...token, 'content-type': 'application/json' },
      payload: JSON.stringify({ labels: { x: 'y'.repeat(2_000_000) } }),
    })
    expect(big.statusCode).toBe(413)
    expect(big.json()).toMatchObject({ code: 'ERR_REQUEST_TOO_LARGE' })
    const badCore = await t.app.inject({
      method: 'POST',
      url: '/v1/rewrap',
      headers: token,
      payload: {
        core: 'AAAA',
        jwe: 'a.b.c.d.e',
        clientKey: { kty: 'OKP', crv: 'X25519', x: 'A'.repeat(43) },
      },
    })
    expect(badCore.statusCode).toBe(400)
    expect(badCore.json()).toMatchObject({ code: 'ERR_REQUEST_INVALID' })
  })

  it('needs a valid token: none is 401 ERR_AUTH_REQUIRED, a wrong one 401 ERR_AUTH_INVALID', async () => {
    await denied(t.client().me(), 'ERR_AUTH_REQUIRED')
    await denied(t.client(`latch_${'x'.repeat(12)}_${'y'.repeat(43)}`).me(), 'ERR_AUTH_INVALID')
    await denied(t.client('eyJhbGciOiJub25lIn0.e30.').me(), 'ERR_AUTH_INVALID')
    expect(await t.client(t.adminToken).me()).toMatchObject({
      email: 'admin@test.local',
      role: 'admin',
    })
  })
})

describe('users and tokens', () => {
  it('creates users whose token works once shown, refuses duplicates, and disables them at once', async () => {
    const admin = t.client(t.adminToken)
    const bob = await admin.createUser('Bob@Example.com')
    expect(bob.token).toMatch(/^latch_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/)
    expect(await t.client(bob.token).me()).toMatchObject({ email: 'bob@example.com', role: 'user' })
    await denied(admin.createUser('bob@example.com'), 'ERR_CONFLICT')
    expect((await admin.listUsers()).users.map((u) => u.email)).toContain('bob@example.com')
    await denied(t.client(bob.token).listUsers(), 'ERR_ACCESS_FORBIDDEN')
    await admin.disableUser('bob@example.com')
    await denied(t.client(bob.token).me(), 'ERR_AUTH_INVALID')
    await denied(admin.disableUser('nobody@example.com'), 'ERR_NOT_FOUND')
  })

  it('stores only the token hash', async () => {
    const { token } = await t.client(t.adminToken).createUser('carol@example.com')
    const rows = await t.services.store.listTokens('carol@example.com')
    expect(rows).toHaveLength(1)
    const secret = token.slice('latch_'.length + 13)
    const dump = JSON.stringify(await t.services.store.readAudit(0, 1000), (_k, v) =>
      v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v,
    )
    expect(dump).not.toContain(secret)
  })

  it('revokes a token: it stops working, the others of the user keep working', async () => {
    const bobToken = await t.user('bob@example.com')
    const second = await t
      .client(bobToken)
      .request<{ token: string; tokenId: string }>('POST', '/v1/tokens', {})
    await t
      .client(bobToken)
      .request('DELETE', `/v1/tokens/${second.tokenId}`)
      .catch(() => undefined)
    await denied(t.client(second.token).me(), 'ERR_AUTH_INVALID')
    expect(await t.client(bobToken).me()).toMatchObject({ email: 'bob@example.com' })
  })
})

describe('keys', () => {
  it('publishes a JWKS and rotates: new files use the new key, old files still open', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const before = await owner.keys()
    expect(before.keys).toHaveLength(1)
    const policy = await owner.createPolicy({})
    const old = await encryptFor(owner, policy.id, data)
    await denied(owner.rotateKey(), 'ERR_ACCESS_FORBIDDEN')
    const { kid } = await t.client(t.adminToken).rotateKey()
    const after = await owner.keys()
    expect(after.current).toBe(kid)
    expect(after.keys.map((k) => k.kid)).toEqual([kid, before.current])
    const fresh = await encryptFor(owner, policy.id, data)
    expect(fresh.header.entries[0]?.jwe).not.toBe(undefined)
    const resolver = keyServerResolver({ [after.kasId]: owner })
    expect(Buffer.from(await decryptBuffer(old.object, resolver))).toEqual(data)
    expect(Buffer.from(await decryptBuffer(fresh.object, resolver))).toEqual(data)
  })
})

describe('policies and key release', () => {
  it('releases the key to the owner and readers only, and audits every decision', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const reader = t.client(await t.user('reader@example.com'))
    const colleague = t.client(await t.user('colleague@partner.org'))
    const outsider = t.client(await t.user('outsider@example.com'))
    const admin = t.client(t.adminToken)
    const policy = await owner.createPolicy({
      readers: ['Reader@Example.com', '*@partner.org'],
      labels: { team: 'claims' },
    })
    expect(policy).toMatchObject({
      owner: 'owner@example.com',
      readers: ['reader@example.com', '*@partner.org'],
      state: 'active',
      version: 1,
    })
    const { object } = await encryptFor(owner, policy.id, data)
    const kasId = (await owner.keys()).kasId
    for (const client of [owner, reader, colleague]) {
      expect(
        Buffer.from(await decryptBuffer(object, keyServerResolver({ [kasId]: client }))),
      ).toEqual(data)
    }
    await denied(
      decryptBuffer(object, keyServerResolver({ [kasId]: outsider })),
      'ERR_ACCESS_DENIED',
    )
    await denied(decryptBuffer(object, keyServerResolver({ [kasId]: admin })), 'ERR_ACCESS_DENIED')

    const records = (await t.services.store.readAudit(0, 1000)).map((r) =>
      JSON.parse(r.recordBytes.toString()),
    )
    const decisions = records.filter((r) => r.type.startsWith('key.release'))
    expect(decisions.map((r) => [r.actor.email, r.decision, r.reason])).toEqual([
      ['owner@example.com', 'permit', 'owner'],
      ['reader@example.com', 'permit', 'reader'],
      ['colleague@partner.org', 'permit', 'reader'],
      ['outsider@example.com', 'deny', 'not_reader'],
      ['admin@test.local', 'deny', 'not_reader'],
    ])
    for (const r of decisions) {
      expect(r).toMatchObject({ policy_id: policy.id, policy_version: 1, sid: 1, n: 1 })
      expect(typeof r.request_id).toBe('string')
    }
  })

  it('shows a policy to its owner, readers and admins only; names another owner only when allowed', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const reader = t.client(await t.user('reader@example.com'))
    const outsider = t.client(await t.user('outsider@example.com'))
    const service = t.client(await t.user('svc@example.com', { mayAssignOwner: true }))
    const policy = await owner.createPolicy({ readers: ['reader@example.com'] })
    expect((await reader.getPolicy(policy.id)).id).toBe(policy.id)
    expect((await t.client(t.adminToken).getPolicy(policy.id)).id).toBe(policy.id)
    await denied(outsider.getPolicy(policy.id), 'ERR_NOT_FOUND')
    await denied(outsider.getPolicy('p-nonexistent'), 'ERR_NOT_FOUND')
    await denied(outsider.createPolicy({ owner: 'owner@example.com' }), 'ERR_ACCESS_FORBIDDEN')
    expect((await service.createPolicy({ owner: 'owner@example.com' })).owner).toBe(
      'owner@example.com',
    )
    expect((await t.client(t.adminToken).createPolicy({ owner: 'x@example.com' })).createdBy).toBe(
      'admin@test.local',
    )
    await denied(owner.createPolicy({ expiresAt: '2001-01-01T00:00:00Z' }), 'ERR_REQUEST_INVALID')
  })

  it('records the objects a policy covers (owner only) and refuses a second header for one id', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const reader = t.client(await t.user('reader@example.com'))
    const policy = await owner.createPolicy({ readers: ['reader@example.com'] })
    const { header } = await encryptFor(owner, policy.id, data)
    const objectId = Buffer.from(header.core.objectId).toString('base64url')
    const coreHash = Buffer.from(header.coreHash).toString('base64url')
    await denied(reader.addPolicyObject(policy.id, { objectId, coreHash }), 'ERR_ACCESS_FORBIDDEN')
    const updated = await owner.addPolicyObject(policy.id, {
      objectId,
      coreHash,
      bucket: 'b',
      key: 'k/1',
    })
    expect(updated).toEqual({ policyId: policy.id, version: 2, objectId, coreHash })
    expect((await owner.getPolicy(policy.id, { objects: false })).objects).toEqual([])
    expect((await owner.getPolicy(policy.id)).objects).toMatchObject([
      { objectId, coreHash, bucket: 'b', key: 'k/1' },
    ])
    await denied(
      owner.addPolicyObject(policy.id, { objectId, coreHash: 'A'.repeat(43) }),
      'ERR_CONFLICT',
    )
  })

  it('lets the service account that created a policy for another owner register its objects, and no other account', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const reader = t.client(await t.user('reader@example.com'))
    const app = t.client(await t.user('forms-app@example.com', { mayAssignOwner: true }))
    const otherApp = t.client(await t.user('other-app@example.com', { mayAssignOwner: true }))
    const policy = await app.createPolicy({
      owner: 'owner@example.com',
      readers: ['reader@example.com'],
    })
    expect(policy.createdBy).toBe('forms-app@example.com')
    const { header } = await encryptFor(owner, policy.id, data)
    const ids = {
      objectId: Buffer.from(header.core.objectId).toString('base64url'),
      coreHash: Buffer.from(header.coreHash).toString('base64url'),
    }
    await denied(otherApp.addPolicyObject(policy.id, ids), 'ERR_NOT_FOUND')
    await denied(reader.addPolicyObject(policy.id, ids), 'ERR_ACCESS_FORBIDDEN')
    expect(await app.addPolicyObject(policy.id, { ...ids, bucket: 'forms', key: 'k/1' })).toEqual({
      policyId: policy.id,
      version: 2,
      ...ids,
    })
    // Registering is all it may do: the policy stays invisible to it, and so does the key.
    await denied(app.getPolicy(policy.id), 'ERR_NOT_FOUND')
    expect((await owner.getPolicy(policy.id)).objects).toMatchObject([
      { ...ids, bucket: 'forms', key: 'k/1' },
    ])
  })

  it('answers a batch with one result per request, each decided and audited on its own', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const p1 = await owner.createPolicy({})
    const p2 = await t.client(t.adminToken).createPolicy({ owner: 'someone@example.com' })
    const a = await encryptFor(owner, p1.id, data)
    const b = await encryptFor(owner, p2.id, data)
    const clientKey = {
      kty: 'OKP' as const,
      crv: 'X25519' as const,
      x: Buffer.alloc(32, 9).toString('base64url'),
    }
    const req = (h: typeof a.header) => ({
      core: Buffer.from(h.coreBytes).toString('base64url'),
      jwe: h.entries[0]?.jwe as string,
    })
    const { results } = await owner.rewrapBatch(
      [req(a.header), req(b.header), req(a.header)],
      clientKey,
    )
    expect(results.map((r) => ('jwe' in r ? 'key' : r.error.code))).toEqual([
      'key',
      'ERR_ACCESS_DENIED',
      'key',
    ])
    const head = await t.services.store.auditHead()
    const last3 = (await t.services.store.readAudit(head.size - 3, 3)).map(
      (r) => JSON.parse(r.recordBytes.toString()).decision,
    )
    expect(last3).toEqual(['permit', 'deny', 'permit'])
  })
})

describe('many objects read at once', () => {
  it('travel as one batch of key requests, each decided and audited on its own', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const policy = await owner.createPolicy({})
    const other = await t.client(t.adminToken).createPolicy({ owner: 'someone@example.com' })
    const objects = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        encryptFor(owner, i === 5 ? other.id : policy.id, Buffer.from(`file ${i}`)),
      ),
    )
    const rewrapRequests = async () => {
      const metric = t.app.metrics.registry.getSingleMetric('latch_http_requests_total')
      const values = (await metric?.get())?.values ?? []
      return values
        .filter((v) => String(v.labels.route).startsWith('/v1/rewrap'))
        .map((v) => `${v.labels.route} ${v.value}`)
    }
    const resolver = keyServerResolver({ [(await owner.keys()).kasId]: owner })
    const results = await Promise.allSettled(
      objects.map(({ object }) => decryptBuffer(object, resolver)),
    )
    expect(await rewrapRequests()).toEqual(['/v1/rewrap/batch 1'])
    results.forEach((r, i) => {
      if (i === 5)
        expect((r as PromiseRejectedResult).reason).toMatchObject({
          code: 'ERR_ACCESS_DENIED',
          status: 403,
        })
      else
        expect(Buffer.from((r as PromiseFulfilledResult<Uint8Array>).value).toString()).toBe(
          `file ${i}`,
        )
    })
  })
})

describe('rate limit', () => {
  it('answers 429 with Retry-After past the per-identity limit, and other identities go on', async () => {
    await t.close()
    t = await buildTestApp({ rateLimitMax: 5, rateLimitWindowMs: 60_000 })
    const bob = await t.user('bob@example.com')
    const codes: number[] = []
    let retryAfter: string | undefined
    for (let i = 0; i < 7; i++) {
      const r = await t.app.inject({ url: '/v1/me', headers: { authorization: `Bearer ${bob}` } })
      codes.push(r.statusCode)
      if (r.statusCode === 429) {
        retryAfter = r.headers['retry-after'] as string
        expect(r.json()).toMatchObject({ code: 'ERR_RATE_LIMITED' })
      }
    }
    expect(codes).toEqual([200, 200, 200, 200, 200, 429, 429])
    expect(Number(retryAfter)).toBeGreaterThan(0)
    const other = await t.app.inject({
      url: '/v1/me',
      headers: { authorization: `Bearer ${t.adminToken}` },
    })
    expect(other.statusCode).toBe(200)
  })

  it('counts each item of a batch as a request: a batch past the limit is 429 and does nothing', async () => {
    await t.close()
    t = await buildTestApp({ rateLimitMax: 10, rateLimitWindowMs: 60_000 })
    const bob = await t.user('bob@example.com')
    const auth = { authorization: `Bearer ${bob}` }
    const creations = (n: number) => ({
      requests: Array.from({ length: n }, () => ({
        claim: randomBytes(32).toString('base64url'),
        object: {
          objectId: randomBytes(16).toString('base64url').slice(0, 22),
          coreHash: randomBytes(32).toString('base64url'),
          bucket: 'b',
          key: 'k',
        },
      })),
    })
    const batch = (n: number) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/policies/batch',
        headers: auth,
        payload: creations(n),
      })
    // 8 items: 8 of the 10.
    const first = await batch(8)
    expect(first.statusCode).toBe(200)
    expect(first.json().results).toHaveLength(8)
    // 3 more would make 11: refused before any item, with the time to wait.
    const head = (await t.services.store.auditHead()).size
    const over = await batch(3)
    expect(over.statusCode).toBe(429)
    expect(over.json()).toMatchObject({ code: 'ERR_RATE_LIMITED' })
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0)
    expect((await t.services.store.auditHead()).size).toBe(head)
    // The batch spent the budget of single requests too.
    const single = await t.app.inject({ url: '/v1/me', headers: auth })
    expect(single.statusCode).toBe(429)
    // Key requests in a batch count the same way, before any decision.
    const carol = await t.user('carol@example.com')
    const headBefore = (await t.services.store.auditHead()).size
    const x = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x as string
    const rewraps = await t.app.inject({
      method: 'POST',
      url: '/v1/rewrap/batch',
      headers: { authorization: `Bearer ${carol}` },
      payload: {
        clientKey: { kty: 'OKP', crv: 'X25519', x },
        requests: Array.from({ length: 11 }, () => ({ core: 'AAAA', jwe: 'a.b.c.d.e' })),
      },
    })
    expect(rewraps.statusCode).toBe(429)
    expect((await t.services.store.auditHead()).size).toBe(headBefore)
    const other = await t.app.inject({
      url: '/v1/me',
      headers: { authorization: `Bearer ${t.adminToken}` },
    })
    expect(other.statusCode).toBe(200)
  })
})
