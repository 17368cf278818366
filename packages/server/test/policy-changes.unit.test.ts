import { type KeyServerError, keyServerResolver } from '@latch/client'
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

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e as KeyServerError).code,
  )
}

describe('policy changes', () => {
  it('apply to the very next key request: share, unshare, expire, revoke (owner too), unrevoke', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const bob = t.client(await t.user('bob@example.com'))
    const policy = await owner.createPolicy({})
    const { object } = await encryptFor(owner, policy.id, Buffer.from('x'))
    const kasId = (await owner.keys()).kasId
    const read = (who: typeof owner) => decryptBuffer(object, keyServerResolver({ [kasId]: who }))
    expect(await code(read(bob))).toBe('ERR_ACCESS_DENIED')
    expect((await owner.changeReaders(policy.id, { add: ['Bob@Example.com'] })).readers).toEqual([
      'bob@example.com',
    ])
    expect(await code(read(bob))).toBeUndefined()
    await owner.changeReaders(policy.id, { remove: ['bob@example.com'] })
    expect(await code(read(bob))).toBe('ERR_ACCESS_DENIED')
    await owner.changeReaders(policy.id, { add: ['bob@example.com'] })
    const expiry = new Date(Date.now() + 3_600_000).toISOString()
    expect((await owner.setExpiry(policy.id, expiry)).expiresAt).toBe(expiry)
    const revoked = await owner.revokePolicy(policy.id, 'laptop lost')
    expect(revoked).toMatchObject({
      state: 'revoked',
      revoked: { by: 'owner@example.com', reason: 'laptop lost' },
    })
    expect(await code(read(owner))).toBe('ERR_ACCESS_DENIED')
    expect(await code(read(bob))).toBe('ERR_ACCESS_DENIED')
    expect(await code(owner.revokePolicy(policy.id))).toBe('ERR_CONFLICT')
    const restored = await owner.unrevokePolicy(policy.id, 'found it')
    expect(restored).toMatchObject({
      state: 'active',
      revoked: null,
      readers: ['bob@example.com'],
      expiresAt: expiry,
    })
    expect(await code(read(owner))).toBeUndefined()
    expect(await code(read(bob))).toBeUndefined()
    await owner.setExpiry(policy.id, new Date(Date.now() + 300).toISOString())
    await new Promise((r) => setTimeout(r, 400))
    expect(await code(read(bob))).toBe('ERR_ACCESS_DENIED')
    expect((await owner.setExpiry(policy.id, null)).expiresAt).toBeNull()
    expect(await code(read(bob))).toBeUndefined()

    const records = (await t.services.store.readAudit(0, 1000)).map((r) =>
      JSON.parse(Buffer.from(r.recordBytes).toString()),
    )
    const changes = records.filter(
      (r) => r.type.startsWith('policy.') && r.type !== 'policy.create',
    )
    expect(changes.map((r) => r.type)).toEqual([
      'policy.share',
      'policy.unshare',
      'policy.share',
      'policy.expire',
      'policy.revoke',
      'policy.unrevoke',
      'policy.expire',
      'policy.expire',
    ])
    const revoke = changes[4]
    expect(revoke).toMatchObject({
      reason: 'laptop lost',
      before: { revoked: null },
      after: { revoked: { by: 'owner@example.com' } },
    })
    expect(changes[5].after).toEqual({ ...changes[4].before, version: changes[5].after.version })
  })

  it('are for the owner and admins only; readers get 403, others 404', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const bob = t.client(await t.user('bob@example.com'))
    const eve = t.client(await t.user('eve@example.com'))
    const policy = await owner.createPolicy({ readers: ['bob@example.com'] })
    expect(await code(bob.revokePolicy(policy.id))).toBe('ERR_ACCESS_FORBIDDEN')
    expect(await code(eve.revokePolicy(policy.id))).toBe('ERR_NOT_FOUND')
    expect(await code(bob.changeReaders(policy.id, { add: ['eve@example.com'] }))).toBe(
      'ERR_ACCESS_FORBIDDEN',
    )
    expect((await t.client(t.adminToken).revokePolicy(policy.id, 'incident')).state).toBe('revoked')
    expect((await owner.unrevokePolicy(policy.id)).state).toBe('active')
    expect(await code(owner.unrevokePolicy(policy.id))).toBe('ERR_CONFLICT')
  })
})
