import { ClientError, KeyServerError, LatchClient } from '@latch/client'
import {
  combineShares,
  decryptBuffer,
  encryptBuffer,
  type Header,
  openShare,
  parseHeader,
} from '@latch/format'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { policyIdOfClaim } from '../src/policy/policy-id-of-claim.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// Issue 17: a file whose key is split between two independently run key servers. Each server
// keeps its own copy of the policy under one id, decides and audits alone; the data key is the
// XOR of a share from each.

let a: TestApp
let b: TestApp
beforeEach(async () => {
  ;[a, b] = await Promise.all([buildTestApp({ kasId: 'kas-a' }), buildTestApp({ kasId: 'kas-b' })])
})
afterEach(async () => {
  await Promise.all([a.close(), b.close()])
})

const data = Buffer.from('customer file: Jane Doe, 1 Main St')

/** The same person with an account on each server: a split client for them. */
async function splitClientOf(email: string, options: { admin?: boolean } = {}) {
  const [tokenA, tokenB] = await Promise.all([a.user(email, options), b.user(email, options)])
  return { latch: LatchClient.split(a.client(tokenA), b.client(tokenB)), tokenA, tokenB }
}

async function auditTypes(t: TestApp, policyId: string): Promise<string[]> {
  const page = await t.client(t.adminToken).auditEvents({ policy: policyId })
  return page.events.map((e) => e.type)
}

/** What the operator of one server gets with its private keys and database: its own share. */
async function shareOpenedBy(t: TestApp, header: Header, kasId: string): Promise<Uint8Array> {
  const entry = header.entries.find((e) => e.kasId === kasId)
  if (entry === undefined) throw new Error(`no entry for ${kasId}`)
  const key = await t.services.keys.privateKey(t.services.keys.currentKid)
  if (key === undefined) throw new Error('no private key')
  return openShare(entry.jwe, key)
}

describe('a file split across two key servers (issue 17)', () => {
  it('wraps one share to each server under one policy id on both, and decrypts for the owner and a reader', async () => {
    const { latch } = await splitClientOf('owner@example.com')
    const reader = await splitClientOf('reader@example.com')
    const { object, policyId } = await latch.encrypt(data, { readers: ['reader@example.com'] })
    const header = parseHeader(object)
    expect(header.entries.map((e) => [e.sid, e.n, e.kasId])).toEqual([
      [1, 2, 'kas-a'],
      [2, 2, 'kas-b'],
    ])
    expect(header.core.policyId).toBe(policyId)
    expect(Buffer.from(await latch.decrypt(object))).toEqual(data)
    expect(Buffer.from(await reader.latch.decrypt(object))).toEqual(data)
    for (const t of [a, b]) {
      const policy = await t.client(t.adminToken).getPolicy(policyId)
      expect(policy).toMatchObject({ owner: 'owner@example.com', readers: ['reader@example.com'] })
      expect(await auditTypes(t, policyId)).toEqual(['policy.create', 'key.release', 'key.release'])
    }
  })

  it('creates the policy and registers the stored object on both servers, one request to each', async () => {
    const { latch } = await splitClientOf('owner@example.com')
    const pending = await latch.createDeferredWriter({ readers: ['reader@example.com'] })
    const object = encryptBuffer(pending.writer, data)
    const registered = await pending.register({ bucket: 'forms', key: 'k/1' })
    expect(registered.policyId).toBe(parseHeader(object).core.policyId)
    for (const t of [a, b]) {
      const policy = await t.client(t.adminToken).getPolicy(pending.policyId)
      expect(policy.objects).toMatchObject([{ bucket: 'forms', key: 'k/1' }])
      expect(await auditTypes(t, pending.policyId)).toEqual(['policy.create', 'policy.object.add'])
    }
    expect(Buffer.from(await latch.decrypt(object))).toEqual(data)
  })

  it('is denied when either server revokes it or locks it down, and released again when lifted', async () => {
    const { latch, tokenA, tokenB } = await splitClientOf('owner@example.com')
    const admin = await splitClientOf('security@example.com', { admin: true })
    const pending = await latch.createDeferredWriter()
    const object = encryptBuffer(pending.writer, data)
    await pending.register({ bucket: 'forms', key: 'k/1' })
    const denied = () =>
      expect(latch.decrypt(object)).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED' })

    await b.client(tokenB).revokePolicy(pending.policyId, 'incident')
    await denied()
    await b.client(tokenB).unrevokePolicy(pending.policyId)
    await a.client(tokenA).revokePolicy(pending.policyId, 'incident')
    await denied()
    await a.client(tokenA).unrevokePolicy(pending.policyId)
    expect(Buffer.from(await latch.decrypt(object))).toEqual(data)

    const rule = await b.client(admin.tokenB).lockdown({ bucket: 'forms', reason: 'incident' })
    await denied()
    await b.client(admin.tokenB).liftLockdown(rule.id)
    expect(Buffer.from(await latch.decrypt(object))).toEqual(data)
    // Each server audited its own decisions: B's lockdown denial is in B's log only.
    expect(await auditTypes(b, pending.policyId)).toContain('key.release.denied')
  })

  it('keeps the zero window on each server: no read asked after either server’s revocation returned gets the key', async () => {
    const { latch, tokenA, tokenB } = await splitClientOf('owner@example.com')
    const { object, policyId } = await latch.encrypt(data)
    for (const [t, token] of [
      [b, tokenB],
      [a, tokenA],
    ] as const) {
      // Reads in four lanes, each stamped with a tick taken before it asks for any share.
      let tick = 0
      let stop = false
      let revokedAt = Number.POSITIVE_INFINITY
      const outcomes: { sent: number; ok: boolean }[] = []
      const lanes = Array.from({ length: 4 }, async () => {
        while (!stop) {
          const sent = tick++
          const ok = await latch.decrypt(object).then(
            () => true,
            () => false,
          )
          outcomes.push({ sent, ok })
        }
      })
      while (outcomes.filter((o) => o.ok).length < 8) await new Promise((r) => setTimeout(r, 5))
      await t.client(token).revokePolicy(policyId, 'incident')
      revokedAt = tick
      while (outcomes.filter((o) => o.sent >= revokedAt).length < 8) {
        await new Promise((r) => setTimeout(r, 5))
      }
      stop = true
      await Promise.all(lanes)
      expect(outcomes.filter((o) => o.sent >= revokedAt && o.ok)).toEqual([])
      expect(outcomes.some((o) => o.ok)).toBe(true)
      // The revoking server's chain agrees: no release of the file after its revocation.
      const types = await auditTypes(t, policyId)
      expect(types.slice(types.lastIndexOf('policy.revoke'))).not.toContain('key.release')
      await t.client(token).unrevokePolicy(policyId)
    }
  })

  it('cannot be decrypted with one server’s keys and database, nor with one server’s share plus its policy', async () => {
    const { latch } = await splitClientOf('owner@example.com')
    const { object } = await latch.encrypt(data)
    const header = parseHeader(object)
    const [shareA, shareB] = await Promise.all([
      shareOpenedBy(a, header, 'kas-a'),
      shareOpenedBy(b, header, 'kas-b'),
    ])
    for (const alone of [shareA, shareB]) {
      await expect(decryptBuffer(object, async () => Uint8Array.from(alone))).rejects.toMatchObject(
        { code: 'ERR_FORMAT_DECRYPT_FAILED' },
      )
    }
    // Both shares together are the key: the test above would pass for the wrong reason otherwise.
    const both = combineShares([shareA, shareB])
    expect(Buffer.from(await decryptBuffer(object, async () => both))).toEqual(data)

    // A's operator makes itself a reader on A: A releases its share, B still refuses.
    const insider = await splitClientOf('operator-a@example.com')
    const policyId = header.core.policyId
    await a.client(a.adminToken).changeReaders(policyId, { add: ['operator-a@example.com'] })
    await expect(insider.latch.decrypt(object)).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED' })
    expect(await auditTypes(b, policyId)).toContain('key.release.denied')
  })

  it('keeps the policy on the other server out of reach of an operator who knows one claim', async () => {
    const { latch } = await splitClientOf('owner@example.com')
    const pending = await latch.createDeferredWriter()
    const object = encryptBuffer(pending.writer, data)
    // What server A's operator sees of the put: A's claim and the commitment to B's. Racing the
    // client to B with it, in either share position, creates a policy under another id.
    const seenByA = await captureSplitClaim(latch, 0, () => pending.register())
    const insider = b.client(await b.user('operator-a@example.com'))
    for (const share of [1, 2] as const) {
      const onB = { share, peer: seenByA.split.peer, kasId: 'kas-b' }
      expect(policyIdOfClaim(seenByA.claim, onB)).not.toBe(pending.policyId)
    }
    // Server A itself derives the header's id from what it was sent.
    expect(policyIdOfClaim(seenByA.claim, { ...seenByA.split, kasId: 'kas-a' })).toBe(
      pending.policyId,
    )
    for (const share of [1, 2] as const) {
      const raced = await insider.createPolicy({
        claim: seenByA.claim,
        split: { share, peer: seenByA.split.peer },
        readers: ['operator-a@example.com'],
      })
      expect(raced.id).not.toBe(pending.policyId)
    }
    expect(Buffer.from(await latch.decrypt(object))).toEqual(data)
  })

  it('refuses a split over two servers with one kas id, and a file one server alone cannot serve', async () => {
    const same = await buildTestApp({ kasId: 'kas-a' })
    try {
      const token = await same.user('owner@example.com')
      const tokenA = await a.user('owner@example.com')
      const twin = LatchClient.split(a.client(tokenA), same.client(token))
      const error = await twin.encrypt(data).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ClientError)
      expect(error).toMatchObject({ code: 'ERR_CLIENT_CONFIG_INVALID' })
      expect((error as Error).message).toContain('--kas-id')
    } finally {
      await same.close()
    }
    const { latch, tokenA } = await splitClientOf('writer@example.com')
    const { object } = await latch.encrypt(data)
    const onlyA = new LatchClient(a.client(tokenA))
    await expect(onlyA.decrypt(object)).rejects.toMatchObject({
      code: 'ERR_CLIENT_CONFIG_INVALID',
      message: expect.stringContaining('share 2'),
    })
  })

  it('fails closed when a server refuses the new policy: the error reaches the writer', async () => {
    const [tokenA] = await Promise.all([a.user('owner@example.com')])
    // B does not know this user: its 401 fails the registration.
    const latch = LatchClient.split(a.client(tokenA), b.client('lt_not-a-token'))
    const error = await latch.encrypt(data).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeyServerError)
    expect(error).toMatchObject({ code: 'ERR_AUTH_INVALID' })
  })
})

/**
 * Runs `action` while recording the body of the `POST /v1/policies` that server `index` of the
 * split client receives: what that server's operator could log.
 */
async function captureSplitClaim(
  latch: LatchClient,
  index: number,
  action: () => Promise<unknown>,
): Promise<{ claim: string; split: { share: 1 | 2; peer: string } }> {
  const server = latch.keyServers[index]
  if (server === undefined) throw new Error('no such server')
  const original = server.createPolicy.bind(server)
  let seen: { claim: string; split: { share: 1 | 2; peer: string } } | undefined
  server.createPolicy = async (body) => {
    seen = body as typeof seen
    return original(body)
  }
  try {
    await action()
  } finally {
    server.createPolicy = original
  }
  if (seen === undefined) throw new Error('no policy created')
  return seen
}
