import { generateX25519KeyPair, openShare, shareBindingOf } from '@latch/format'
import { LOW_ORDER_X25519 } from '@latch/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// A client key of small order used to pass parsing; the decision committed a
// `key.release` permit, then the re-wrap to that key failed and the caller got a 500 after a
// record that says a share was released. The re-wrap is now prepared before the decision.

let t: TestApp
let token: string
let request: { core: string; jwe: string }
beforeAll(async () => {
  t = await buildTestApp()
  token = await t.user('owner@example.com')
  const owner = t.client(token)
  const policy = await owner.createPolicy({})
  const { header } = await encryptFor(owner, policy.id, Buffer.from('secret'))
  request = {
    core: Buffer.from(header.coreBytes).toString('base64url'),
    jwe: header.entries[0]?.jwe as string,
  }
})
afterAll(async () => {
  await t.close()
})

const clientKeyOf = (bytes: Uint8Array) => ({
  kty: 'OKP',
  crv: 'X25519',
  x: Buffer.from(bytes).toString('base64url'),
})

function post(url: string, payload: object) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${token}` },
    payload,
  })
}

describe('a low-order client key is refused before any decision', () => {
  it('answers 400 ERR_REQUEST_INVALID on /v1/rewrap for every low-order point, and records nothing', async () => {
    const before = (await t.services.store.auditHead()).size
    for (const point of LOW_ORDER_X25519) {
      const response = await post('/v1/rewrap', { ...request, clientKey: clientKeyOf(point.bytes) })
      expect(response.statusCode, point.name).toBe(400)
      expect(response.json(), point.name).toMatchObject({ code: 'ERR_REQUEST_INVALID' })
    }
    expect((await t.services.store.auditHead()).size).toBe(before)
  })

  it('answers 400 for the whole batch for every low-order point, and records nothing', async () => {
    const before = (await t.services.store.auditHead()).size
    for (const point of LOW_ORDER_X25519) {
      const response = await post('/v1/rewrap/batch', {
        clientKey: clientKeyOf(point.bytes),
        requests: [request, request, request],
      })
      expect(response.statusCode, point.name).toBe(400)
      expect(response.json(), point.name).toMatchObject({ code: 'ERR_REQUEST_INVALID' })
    }
    expect((await t.services.store.auditHead()).size).toBe(before)
  })

  it('still releases to a usable key, on both routes, one record per decision', async () => {
    const before = (await t.services.store.auditHead()).size
    const pair = generateX25519KeyPair()
    const clientKey = clientKeyOf(
      Buffer.from(pair.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'),
    )
    const binding = shareBindingOf(Buffer.from(request.core, 'base64url'), 1, 1)
    const single = await post('/v1/rewrap', { ...request, clientKey })
    expect(single.statusCode).toBe(200)
    expect(openShare(single.json().jwe, pair.privateKey, binding)).toHaveLength(32)
    const batch = await post('/v1/rewrap/batch', { clientKey, requests: [request, request] })
    expect(batch.statusCode).toBe(200)
    for (const result of batch.json().results) {
      expect(openShare(result.jwe, pair.privateKey, binding)).toHaveLength(32)
    }
    expect((await t.services.store.auditHead()).size).toBe(before + 3)
  })
})
