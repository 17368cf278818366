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

describe('a bucket lockdown cannot be escaped by re-registering the object elsewhere', () => {
  it('denies the owner who re-registered a locked-down object in another bucket (403, audit reason lockdown), and the policy lists both locations', async () => {
    const admin = t.client(t.adminToken)
    const owner = t.client(await t.user('owner@example.com'))
    const policy = await owner.createPolicy({})
    const { object, header } = await encryptFor(owner, policy.id, Buffer.from('payroll'))
    const ids = {
      objectId: Buffer.from(header.core.objectId).toString('base64url'),
      coreHash: Buffer.from(header.coreHash).toString('base64url'),
    }
    await owner.addPolicyObject(policy.id, { ...ids, bucket: 'hr', key: 'payroll/jan.pdf' })
    const resolver = keyServerResolver({ [(await owner.keys()).kasId]: owner })
    const read = () =>
      decryptBuffer(object, resolver).then(
        () => ({ status: 200, code: undefined }),
        (e: KeyServerError) => ({ status: e.status, code: e.code }),
      )
    expect(await read()).toEqual({ status: 200, code: undefined })

    const rule = await admin.lockdown({ bucket: 'hr', prefix: 'payroll/', reason: 'INC-7 leak' })
    expect(await read()).toEqual({ status: 403, code: 'ERR_ACCESS_DENIED' })

    // The owner registers the same object (same id, same header) somewhere the rule does not
    // reach: the old location stays, so the rule still covers the policy.
    const moved = await owner.addPolicyObject(policy.id, {
      ...ids,
      bucket: 'scratch',
      key: 'copy.pdf',
    })
    expect(moved.objectId).toBe(ids.objectId)
    expect(await read()).toEqual({ status: 403, code: 'ERR_ACCESS_DENIED' })
    const records = (await t.services.store.readAudit(0, 10_000)).map(
      (r) => JSON.parse(Buffer.from(r.recordBytes).toString()) as Record<string, unknown>,
    )
    expect(records.at(-1)).toMatchObject({
      type: 'key.release.denied',
      policy_id: policy.id,
      reason: 'lockdown',
      lockdown_rules: [rule.id],
    })
    const view = await owner.getPolicy(policy.id)
    expect(view.objects.map((o) => [o.objectId, o.bucket, o.key])).toEqual([
      [ids.objectId, 'hr', 'payroll/jan.pdf'],
      [ids.objectId, 'scratch', 'copy.pdf'],
    ])

    // Registering a location again adds nothing; another header under the same id is refused.
    const again = await owner.addPolicyObject(policy.id, {
      ...ids,
      bucket: 'scratch',
      key: 'copy.pdf',
    })
    expect(again.version).toBe(moved.version)
    expect((await owner.getPolicy(policy.id)).objects).toHaveLength(2)
    const conflict = await owner
      .addPolicyObject(policy.id, { ...ids, coreHash: 'A'.repeat(43), bucket: 'x', key: 'y' })
      .then(
        () => undefined,
        (e: KeyServerError) => `${e.status} ${e.code}`,
      )
    expect(conflict).toBe('409 ERR_CONFLICT')
    expect(
      await admin.lockdown({ bucket: 'hr', prefix: 'payroll/', reason: 'x', dryRun: true }),
    ).toMatchObject({ policies: 1, objects: 1 })

    await admin.liftLockdown(rule.id)
    expect(await read()).toEqual({ status: 200, code: undefined })
  })

  it('refuses a location with a bucket but no key, or a key but no bucket (400): it would lie under no prefix', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const policy = await owner.createPolicy({})
    const { header } = await encryptFor(owner, policy.id, Buffer.from('payroll'))
    const ids = {
      objectId: Buffer.from(header.core.objectId).toString('base64url'),
      coreHash: Buffer.from(header.coreHash).toString('base64url'),
    }
    for (const location of [{ bucket: 'hr' }, { key: 'payroll/jan.pdf' }]) {
      await expect(owner.addPolicyObject(policy.id, { ...ids, ...location })).rejects.toMatchObject(
        {
          status: 400,
          code: 'ERR_REQUEST_INVALID',
        },
      )
    }
    await owner.addPolicyObject(policy.id, ids)
    await owner.addPolicyObject(policy.id, { ...ids, bucket: 'hr', key: 'payroll/jan.pdf' })
    expect((await owner.getPolicy(policy.id)).objects).toHaveLength(2)
  })
})
