import { type KeyServerClient, type KeyServerError, keyServerResolver } from '@latch/client'
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

/** A file the owner encrypted and registered at s3://bucket/key, readable by `readers`. */
async function file(owner: KeyServerClient, bucket: string, key: string, readers: string[] = []) {
  const policy = await owner.createPolicy({ readers })
  const { object, header } = await encryptFor(owner, policy.id, Buffer.from(key))
  await owner.addPolicyObject(policy.id, {
    objectId: Buffer.from(header.core.objectId).toString('base64url'),
    coreHash: Buffer.from(header.coreHash).toString('base64url'),
    bucket,
    key,
  })
  const kasId = (await owner.keys()).kasId
  return {
    id: policy.id,
    read: (who: KeyServerClient) =>
      code(decryptBuffer(object, keyServerResolver({ [kasId]: who }))),
  }
}

async function records() {
  return (await t.services.store.readAudit(0, 10_000)).map(
    (r) => JSON.parse(Buffer.from(r.recordBytes).toString()) as Record<string, unknown>,
  )
}

describe('lockdown', () => {
  it('denies every key under a prefix, the owner included, from its commit until lifted; the rest is untouched', async () => {
    const admin = t.client(t.adminToken)
    const owner = t.client(await t.user('owner@example.com'))
    const bob = t.client(await t.user('bob@example.com'))
    const payroll = await file(owner, 'hr', 'payroll/jan.pdf', ['bob@example.com'])
    const reviews = await file(owner, 'hr', 'reviews/bob.pdf', ['bob@example.com'])
    const revoked = await file(owner, 'hr', 'payroll/feb.pdf', ['bob@example.com'])
    await owner.revokePolicy(revoked.id, 'sent to the wrong person')
    expect(await payroll.read(bob)).toBeUndefined()

    const dry = await admin.lockdown({
      bucket: 'hr',
      prefix: 'payroll/',
      reason: 'leak',
      dryRun: true,
    })
    expect(dry).toMatchObject({ dryRun: true, policies: 2, objects: 2 })
    expect(await payroll.read(bob)).toBeUndefined() // a dry run blocks nothing

    const rule = await admin.lockdown({ bucket: 'hr', prefix: 'payroll/', reason: 'INC-42 leak' })
    expect(rule).toMatchObject({
      id: expect.stringMatching(/^ld_[0-9a-f]{20}$/),
      scope: { kind: 'bucket', bucket: 'hr', prefix: 'payroll/', owner: null },
      reason: 'INC-42 leak',
      createdBy: 'admin@test.local',
      lifted: null,
    })
    expect(await payroll.read(bob)).toBe('ERR_ACCESS_DENIED')
    expect(await payroll.read(owner)).toBe('ERR_ACCESS_DENIED')
    expect(await reviews.read(bob)).toBeUndefined()
    expect((await admin.lockdowns()).rules.map((r) => r.id)).toEqual([rule.id])

    const lifted = await admin.liftLockdown(rule.id, 'contained')
    expect(lifted.lifted).toMatchObject({ by: 'admin@test.local', reason: 'contained' })
    expect(await payroll.read(bob)).toBeUndefined()
    expect(await revoked.read(owner)).toBe('ERR_ACCESS_DENIED') // stays revoked
    expect((await owner.getPolicy(revoked.id)).state).toBe('revoked')
    expect((await admin.lockdowns()).rules).toEqual([])
    expect((await admin.lockdowns({ all: true })).rules.map((r) => r.id)).toEqual([rule.id])
    expect(await code(admin.liftLockdown(rule.id))).toBe('ERR_CONFLICT')
    expect(await code(admin.liftLockdown('ld_00000000000000000000'))).toBe('ERR_NOT_FOUND')

    // The denials name the rule; the caller's answer does not.
    const all = await records()
    const denials = all.filter((r) => r.type === 'key.release.denied' && r.reason === 'lockdown')
    expect(denials).toHaveLength(2)
    for (const d of denials) expect(d.lockdown_rules).toEqual([rule.id])
    expect(all.find((r) => r.type === 'lockdown.add')).toMatchObject({
      rule_id: rule.id,
      scope: { kind: 'bucket', bucket: 'hr', prefix: 'payroll/' },
      reason: 'INC-42 leak',
    })
    expect(all.find((r) => r.type === 'lockdown.lift')).toMatchObject({
      rule_id: rule.id,
      reason: 'contained',
    })
  })

  it('covers all policies, or one owner', async () => {
    const admin = t.client(t.adminToken)
    const alice = t.client(await t.user('alice@example.com'))
    const carol = t.client(await t.user('carol@example.com'))
    const a = await file(alice, 'b1', 'a.txt')
    const c = await file(carol, 'b2', 'c.txt')
    const byOwner = await admin.lockdown({ owner: 'Alice@Example.com', reason: 'phished' })
    expect(byOwner.scope).toMatchObject({ kind: 'owner', owner: 'alice@example.com' })
    expect(await a.read(alice)).toBe('ERR_ACCESS_DENIED')
    expect(await c.read(carol)).toBeUndefined()
    const everything = await admin.lockdown({ all: true, reason: 'root key suspected' })
    expect(await c.read(carol)).toBe('ERR_ACCESS_DENIED')
    await admin.liftLockdown(everything.id)
    expect(await c.read(carol)).toBeUndefined()
    expect(await a.read(alice)).toBe('ERR_ACCESS_DENIED')
    await admin.liftLockdown(byOwner.id)
    expect(await a.read(alice)).toBeUndefined()
  })

  it('is for admins only, and refuses malformed scopes with 400', async () => {
    const admin = t.client(t.adminToken)
    const user = t.client(await t.user('u@example.com'))
    expect(await code(user.lockdown({ all: true, reason: 'x' }))).toBe('ERR_ACCESS_FORBIDDEN')
    expect(await code(user.lockdowns())).toBe('ERR_ACCESS_FORBIDDEN')
    const rule = await admin.lockdown({ all: true, reason: 'x' })
    expect(await code(user.liftLockdown(rule.id))).toBe('ERR_ACCESS_FORBIDDEN')
    const bad = [
      { reason: 'no scope' },
      { all: true, owner: 'a@b.c', reason: 'two scopes' },
      { all: false, reason: 'all false' },
      { prefix: 'p/', reason: 'prefix alone' },
      { all: true },
      { all: true, reason: '' },
      { owner: 'not-an-email', reason: 'x' },
      { bucket: '', reason: 'x' },
    ]
    for (const body of bad) {
      const status = await admin.request('POST', '/v1/lockdowns', body).then(
        () => 200,
        (e: KeyServerError) => `${e.status} ${e.code}`,
      )
      expect(status, JSON.stringify(body)).toBe('400 ERR_REQUEST_INVALID')
    }
    expect(await code(admin.liftLockdown('nope'))).toBe('ERR_REQUEST_INVALID')
    expect((await admin.lockdowns()).rules).toHaveLength(1)
  })
})

describe('audit events', () => {
  it('lists records by policy, actor, type and time, page by page; owners see their policy only', async () => {
    const admin = t.client(t.adminToken)
    const owner = t.client(await t.user('owner@example.com'))
    const bob = t.client(await t.user('bob@example.com'))
    const mallory = t.client(await t.user('mallory@example.com'))
    const f = await file(owner, 'b', 'k', ['bob@example.com'])
    const other = await file(owner, 'b', 'k2')
    await f.read(bob)
    await f.read(mallory)
    await f.read(bob)
    await other.read(owner)
    const events = await owner.auditEvents({ policy: f.id })
    expect(events.events.map((e) => e.type)).toEqual([
      'policy.create',
      'policy.object.add',
      'key.release',
      'key.release.denied',
      'key.release',
    ])
    expect(events.next).toBeNull()
    const releases = await admin.auditEvents({ policy: f.id, type: 'key.release' })
    expect(releases.events.map((e) => e.actor.email)).toEqual([
      'bob@example.com',
      'bob@example.com',
    ])
    const family = await admin.auditEvents({ policy: f.id, type: 'key.*' })
    expect(family.events).toHaveLength(3)
    const byActor = await admin.auditEvents({ actor: 'MALLORY@example.com' })
    expect(byActor.events.map((e) => e.type)).toEqual(['key.release.denied'])
    const page1 = await admin.auditEvents({ policy: f.id }, 0, 2)
    expect(page1.events).toHaveLength(2)
    expect(page1.next).toBe(page1.events[1]?.seq)
    const page2 = await admin.auditEvents({ policy: f.id }, page1.next ?? 0, 2)
    expect(page2.events[0]?.seq).toBeGreaterThan(page1.events[1]?.seq ?? 0)
    const future = new Date(Date.now() + 60_000).toISOString()
    expect((await admin.auditEvents({ since: future })).events).toEqual([])
    expect((await admin.auditEvents({ until: future, policy: f.id })).events).toHaveLength(5)

    expect(await code(owner.auditEvents({}))).toBe('ERR_ACCESS_FORBIDDEN')
    expect(await code(bob.auditEvents({ policy: f.id }))).toBe('ERR_ACCESS_FORBIDDEN')
    expect(await code(mallory.auditEvents({ policy: f.id }))).toBe('ERR_NOT_FOUND')
    expect(await code(admin.auditEvents({ since: 'yesterday' }))).toBe('ERR_REQUEST_INVALID')
    expect(await code(admin.auditEvents({ type: 'key release' }))).toBe('ERR_REQUEST_INVALID')
  })
})
