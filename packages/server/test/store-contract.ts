import { type Checkpoint, noteHash, parseCheckpointNote, signCheckpoint } from '@latch/audit'
import { describe, expect, it, vi } from 'vitest'
import { auditEvent } from '../src/audit/audit-event.js'
import { Checkpointer } from '../src/audit/checkpointer.js'
import { verifyStore } from '../src/audit/verify-store.js'
import { type Identity, SYSTEM_IDENTITY } from '../src/auth/identity.js'
import { ServerError } from '../src/errors.js'
import { hashApiToken } from '../src/identity/api-token.js'
import { KeyRing } from '../src/keys/key-ring.js'
import { createRootKeySealer } from '../src/keys/key-sealer.js'
import { evaluateRelease } from '../src/policy/evaluate-release.js'
import type { PolicyRecord } from '../src/store/records.js'
import type { PolicyPatch, Store } from '../src/store/store.js'

/** Opens a fresh, empty store with these unsigned-tail bounds. */
export type OpenStore = (bounds?: {
  maxUnsignedRecords: number
  maxUnsignedAgeMs: number
}) => Promise<Store>

/**
 * Runs one SQL statement, written so that both databases accept it, on the database of a store
 * {@link OpenStore} returned, over a connection of its own: what someone with the database could
 * do behind the store's back.
 */
export type RunSql = (store: Store, statement: string) => Promise<void>

const draft = (n: number) => auditEvent('server.start', SYSTEM_IDENTITY, undefined, { n })

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(ServerError)
    return (error as ServerError).code
  }
}

/**
 * The store contract: what every {@link Store} implementation must do, run against
 * SQLite here and against PostgreSQL by its own test file.
 */
export function describeStoreContract(name: string, open: OpenStore, runSql: RunSql): void {
  describe(`store contract: ${name}`, () => {
    it('keeps the first value of a setting', async () => {
      const store = await open()
      expect(await store.initSetting('x', 'one')).toBe('one')
      expect(await store.initSetting('x', 'two')).toBe('one')
      expect(store.auditOrigin).toMatch(/^latch-audit\//)
      await store.close()
    })

    it('creates users with a token, refuses duplicates, finds live tokens only', async () => {
      const store = await open()
      const hash = hashApiToken('latch_a')
      const user = await store.createUser(
        { email: 'a@x.org', role: 'admin', mayAssignOwner: false },
        { id: 'tokaaaaaaaaa', email: 'a@x.org', hash, mintedBy: 'a@x.org' },
        draft(1),
      )
      expect(user).toMatchObject({ email: 'a@x.org', role: 'admin', disabledAt: undefined })
      expect(
        await codeOf(
          store.createUser(
            { email: 'a@x.org', role: 'user', mayAssignOwner: false },
            {
              id: 'tokbbbbbbbbb',
              email: 'a@x.org',
              hash: hashApiToken('latch_b'),
              mintedBy: 'a@x.org',
            },
            draft(2),
          ),
        ),
      ).toBe('ERR_CONFLICT')
      expect((await store.findLiveToken(hash))?.user.email).toBe('a@x.org')
      await store.addToken(
        {
          id: 'tokcccccccccc',
          email: 'a@x.org',
          hash: hashApiToken('latch_c'),
          mintedBy: 'a@x.org',
        },
        draft(3),
      )
      await store.revokeToken('tokcccccccccc', draft(4))
      expect(await store.findLiveToken(hashApiToken('latch_c'))).toBeUndefined()
      expect(await codeOf(store.revokeToken('tokcccccccccc', draft(5)))).toBe('ERR_NOT_FOUND')
      await store.disableUser('a@x.org', draft(6))
      expect(await store.findLiveToken(hash)).toBeUndefined()
      expect((await store.findUser('a@x.org'))?.disabledAt).toBeInstanceOf(Date)
      expect(await codeOf(store.disableUser('none@x.org', draft(7)))).toBe('ERR_NOT_FOUND')
      expect((await store.listUsers()).map((u) => u.email)).toEqual(['a@x.org'])
      expect((await store.auditHead()).size).toBe(4)
      await store.close()
    })

    it('creates, reads and extends policies, bumping the version with every change', async () => {
      const store = await open()
      const created = await store.createPolicy(
        {
          id: 'p-1',
          owner: 'o@x.org',
          readers: ['r@x.org', '*@y.org'],
          expiresAt: new Date('2099-01-01T00:00:00.000Z'),
          labels: { a: 'b' },
          createdBy: 'o@x.org',
        },
        draft(1),
      )
      expect(created).toMatchObject({
        id: 'p-1',
        owner: 'o@x.org',
        readers: ['r@x.org', '*@y.org'],
        version: 1,
        revocation: undefined,
        labels: { a: 'b' },
      })
      expect(created.expiresAt?.toISOString()).toBe('2099-01-01T00:00:00.000Z')
      expect(
        await codeOf(
          store.createPolicy(
            {
              id: 'p-1',
              owner: 'o',
              readers: [],
              expiresAt: undefined,
              labels: {},
              createdBy: 'o',
            },
            draft(2),
          ),
        ),
      ).toBe('ERR_CONFLICT')
      let seen: PolicyRecord | undefined
      const updated = await store.addPolicyObject(
        'p-1',
        { objectId: 'o1', coreHash: 'h1', bucket: 'b', key: 'k' },
        (before) => {
          seen = before
          return draft(3)
        },
      )
      expect(seen?.version).toBe(1)
      expect(updated.version).toBe(2)
      expect((await store.getPolicy('p-1'))?.objects).toMatchObject([
        { objectId: 'o1', coreHash: 'h1', bucket: 'b', key: 'k' },
      ])
      expect(
        await codeOf(
          store.addPolicyObject(
            'p-1',
            { objectId: 'o1', coreHash: 'other', bucket: undefined, key: undefined },
            () => draft(4),
          ),
        ),
      ).toBe('ERR_CONFLICT')
      expect(
        await codeOf(
          store.addPolicyObject(
            'p-none',
            { objectId: 'o1', coreHash: 'h', bucket: undefined, key: undefined },
            () => draft(5),
          ),
        ),
      ).toBe('ERR_NOT_FOUND')
      expect(await store.getPolicy('p-none')).toBeUndefined()
      await store.close()
    })

    it('creates a policy with its first object and both records in one transaction, or nothing (issue 16)', async () => {
      const store = await open()
      const policy = (id: string) => ({
        id,
        owner: 'o@x.org',
        readers: ['r@x.org'],
        expiresAt: undefined,
        labels: {},
        createdBy: 'o@x.org',
      })
      const object = { objectId: 'o1', coreHash: 'h1', bucket: 'b', key: 'k/1' }
      let seen: PolicyRecord | undefined
      const created = await store.createPolicy(policy('p-1'), draft(1), {
        object,
        audit: (before) => {
          seen = before
          return draft(2)
        },
      })
      // The records and versions of creating it and then registering the object.
      expect(seen).toMatchObject({ id: 'p-1', version: 1 })
      expect(created).toMatchObject({ id: 'p-1', version: 2, objects: [] })
      expect((await store.getPolicy('p-1'))?.objects).toMatchObject([object])
      const size = (await store.auditHead()).size
      expect(
        (await store.readAudit(size - 2, 2)).map(
          (r) => JSON.parse(Buffer.from(r.recordBytes).toString('utf8')).n,
        ),
      ).toEqual([1, 2])
      // The second record cannot be appended: neither the policy nor its first record stays.
      await expect(
        store.createPolicy(policy('p-2'), draft(3), {
          object,
          audit: () => {
            throw new ServerError('ERR_AUDIT_UNAVAILABLE', 'the audit failed')
          },
        }),
      ).rejects.toThrow('the audit failed')
      expect(await store.getPolicy('p-2')).toBeUndefined()
      expect((await store.auditHead()).size).toBe(size)
      expect(
        await codeOf(
          store.createPolicy(policy('p-1'), draft(4), { object, audit: () => draft(5) }),
        ),
      ).toBe('ERR_CONFLICT')
      expect((await store.getPolicy('p-1'))?.version).toBe(2)
      expect((await store.auditHead()).size).toBe(size)
      await store.close()
    })

    it('changes a policy in one transaction with its record, or not at all when the change refuses', async () => {
      const store = await open()
      await store.createPolicy(
        {
          id: 'p-1',
          owner: 'o@x.org',
          readers: ['r@x.org'],
          expiresAt: undefined,
          labels: {},
          createdBy: 'o',
        },
        draft(1),
      )
      const revoked = await store.changePolicy('p-1', () => ({
        patch: {
          revocation: { by: 'o@x.org', at: new Date('2026-01-01T00:00:00.000Z'), reason: 'r' },
        },
        audit: draft(2),
      }))
      expect(revoked).toMatchObject({
        version: 2,
        readers: ['r@x.org'],
        revocation: { by: 'o@x.org', reason: 'r' },
      })
      const lifted = await store.changePolicy('p-1', () => ({
        patch: { revocation: null, expiresAt: new Date('2099-01-01T00:00:00.000Z') },
        audit: draft(3),
      }))
      expect(lifted).toMatchObject({ version: 3, revocation: undefined, readers: ['r@x.org'] })
      expect(lifted.expiresAt?.toISOString()).toBe('2099-01-01T00:00:00.000Z')
      const size = (await store.auditHead()).size
      expect(
        await codeOf(
          store.changePolicy('p-1', () => {
            throw new ServerError('ERR_CONFLICT', 'refused')
          }),
        ),
      ).toBe('ERR_CONFLICT')
      expect((await store.auditHead()).size).toBe(size)
      expect((await store.getPolicy('p-1'))?.version).toBe(3)
      expect(
        await codeOf(store.changePolicy('p-none', () => ({ patch: {}, audit: draft(4) }))),
      ).toBe('ERR_NOT_FOUND')
      await store.close()
    })

    it('lockdown rules: cover policies by bucket and prefix, owner or all; lift once; decisions see them', async () => {
      const store = await open()
      const policy = (id: string, owner: string) =>
        store.createPolicy(
          { id, owner, readers: [], expiresAt: undefined, labels: {}, createdBy: owner },
          draft(0),
        )
      const object = (id: string, n: string, bucket: string | undefined, key: string | undefined) =>
        store.addPolicyObject(id, { objectId: n, coreHash: `h${n}`, bucket, key }, () => draft(0))
      await policy('p-a', 'a@x.org')
      await object('p-a', '1', 'hr', 'payroll/2026/jan.pdf')
      await policy('p-b', 'b@x.org')
      await object('p-b', '2', 'hr', 'reviews/b.pdf')
      await object('p-b', '3', 'other', 'payroll/x')
      await policy('p-c', 'a@x.org') // no object registered
      await policy('p-d', 'd@x.org')
      await object('p-d', '4', 'hr', 'payroll_%/odd') // '%' and '_' are literal
      const covering = async (id: string) => {
        let seen: readonly string[] = ['unset']
        await store.decide({
          policyId: id,
          judge: (_policy, _now, lockdowns) => {
            seen = lockdowns
            return { permit: lockdowns.length === 0, reason: 'x' }
          },
          record: () => draft(0),
        })
        return seen
      }
      expect(await covering('p-a')).toEqual([])
      expect(
        await store.measureLockdown({ kind: 'bucket', bucket: 'hr', prefix: 'payroll/' }),
      ).toEqual({ policies: 1, objects: 1 })
      expect(await store.measureLockdown({ kind: 'bucket', bucket: 'hr', prefix: '' })).toEqual({
        policies: 3,
        objects: 3,
      })
      expect(
        await store.measureLockdown({ kind: 'bucket', bucket: 'hr', prefix: 'payroll_%' }),
      ).toEqual({ policies: 1, objects: 1 })
      expect(await store.measureLockdown({ kind: 'owner', owner: 'a@x.org' })).toEqual({
        policies: 2,
        objects: 1,
      })
      expect(await store.measureLockdown({ kind: 'all' })).toEqual({ policies: 4, objects: 4 })

      const size = (await store.auditHead()).size
      const payroll = await store.addLockdownRule(
        {
          id: 'ld_00000000000000000001',
          scope: { kind: 'bucket', bucket: 'hr', prefix: 'payroll/' },
          reason: 'incident 7',
          createdBy: 'sec@x.org',
        },
        (rule) => {
          expect(rule.id).toBe('ld_00000000000000000001')
          return draft(1)
        },
      )
      expect(payroll).toMatchObject({
        reason: 'incident 7',
        createdBy: 'sec@x.org',
        lifted: undefined,
      })
      expect(payroll.createdAt).toBeInstanceOf(Date)
      expect((await store.auditHead()).size).toBe(size + 1)
      expect(
        await codeOf(
          store.addLockdownRule(
            { id: 'ld_00000000000000000001', scope: { kind: 'all' }, reason: 'r', createdBy: 's' },
            () => draft(2),
          ),
        ),
      ).toBe('ERR_CONFLICT')
      await store.addLockdownRule(
        {
          id: 'ld_00000000000000000002',
          scope: { kind: 'owner', owner: 'a@x.org' },
          reason: 'r',
          createdBy: 's',
        },
        () => draft(3),
      )
      expect(await covering('p-a')).toEqual(['ld_00000000000000000001', 'ld_00000000000000000002'])
      expect(await covering('p-b')).toEqual([])
      expect(await covering('p-c')).toEqual(['ld_00000000000000000002'])
      expect(await covering('p-d')).toEqual([])
      expect(await covering('p-none')).toEqual([])
      expect((await store.listLockdownRules()).map((r) => r.id)).toEqual([
        'ld_00000000000000000001',
        'ld_00000000000000000002',
      ])

      const revocation = { by: 'a@x.org', at: new Date('2026-01-01T00:00:00.000Z'), reason: 'own' }
      await store.changePolicy('p-c', () => ({ patch: { revocation }, audit: draft(0) }))
      const lifted = await store.liftLockdownRule('ld_00000000000000000002', (rule) => {
        expect(rule.scope).toEqual({ kind: 'owner', owner: 'a@x.org' })
        return { by: 'sec@x.org', reason: 'contained', audit: draft(4) }
      })
      expect(lifted.lifted).toMatchObject({ by: 'sec@x.org', reason: 'contained' })
      expect(
        await codeOf(
          store.liftLockdownRule('ld_00000000000000000002', () => ({
            by: 's',
            reason: undefined,
            audit: draft(5),
          })),
        ),
      ).toBe('ERR_CONFLICT')
      expect(
        await codeOf(
          store.liftLockdownRule('ld_00000000000000000009', () => ({
            by: 's',
            reason: undefined,
            audit: draft(5),
          })),
        ),
      ).toBe('ERR_NOT_FOUND')
      expect(await covering('p-c')).toEqual([])
      // A policy revoked on its own stays revoked when a rule that covered it is lifted.
      expect((await store.getPolicy('p-c', { objects: false }))?.revocation).toEqual(revocation)
      expect((await store.listLockdownRules()).map((r) => r.id)).toEqual([
        'ld_00000000000000000001',
      ])
      expect((await store.listLockdownRules({ includeLifted: true })).map((r) => r.id)).toEqual([
        'ld_00000000000000000001',
        'ld_00000000000000000002',
      ])

      await store.addLockdownRule(
        { id: 'ld_00000000000000000003', scope: { kind: 'all' }, reason: 'r', createdBy: 's' },
        () => draft(6),
      )
      expect(await covering('p-b')).toEqual(['ld_00000000000000000003'])
      // Lifting touches no policy.
      expect((await store.getPolicy('p-b', { objects: false }))?.version).toBe(3)
      await store.close()
    })

    it('an object re-registered in another bucket stays under the lockdown of the first; every location is kept, once each', async () => {
      const store = await open()
      const owner: Identity = { ...SYSTEM_IDENTITY, email: 'o@x.org', role: 'user' }
      await store.createPolicy(
        {
          id: 'p-1',
          owner: 'o@x.org',
          readers: [],
          expiresAt: undefined,
          labels: {},
          createdBy: 'o',
        },
        draft(0),
      )
      const register = (bucket: string | undefined, key: string | undefined, coreHash = 'h1') =>
        store.addPolicyObject('p-1', { objectId: 'o1', coreHash, bucket, key }, () => draft(0))
      const reason = async () => {
        let verdict = ''
        await store.decide({
          policyId: 'p-1',
          judge: (policy, now, lockdowns) => {
            const judged = evaluateRelease(policy, owner, now, lockdowns)
            verdict = judged.reason
            return judged
          },
          record: () => draft(0),
        })
        return verdict
      }
      await register('a', 'secret/x.pdf')
      expect(await reason()).toBe('owner')
      await store.addLockdownRule(
        {
          id: 'ld_00000000000000000001',
          scope: { kind: 'bucket', bucket: 'a', prefix: 'secret/' },
          reason: 'leak',
          createdBy: 's',
        },
        () => draft(0),
      )
      expect(await reason()).toBe('lockdown')
      const moved = await register('b', 'public/x.pdf')
      expect(moved.version).toBe(3)
      expect(await reason()).toBe('lockdown')
      const locations = async () =>
        ((await store.getPolicy('p-1'))?.objects ?? []).map((o) => [o.objectId, o.bucket, o.key])
      expect(await locations()).toEqual([
        ['o1', 'a', 'secret/x.pdf'],
        ['o1', 'b', 'public/x.pdf'],
      ])

      // Registering a location again adds nothing: no row, no version, no record.
      const size = (await store.auditHead()).size
      expect((await register('b', 'public/x.pdf')).version).toBe(3)
      expect((await register('a', 'secret/x.pdf')).version).toBe(3)
      await register(undefined, undefined)
      await register(undefined, undefined)
      await register('b', undefined)
      await register('b', undefined)
      expect(await locations()).toEqual([
        ['o1', 'a', 'secret/x.pdf'],
        ['o1', 'b', 'public/x.pdf'],
        ['o1', undefined, undefined],
        ['o1', 'b', undefined],
      ])
      expect((await store.auditHead()).size).toBe(size + 2)
      expect((await store.getPolicy('p-1', { objects: false }))?.version).toBe(5)
      expect(await codeOf(register('c', 'k', 'h2'))).toBe('ERR_CONFLICT')
      expect(await locations()).toHaveLength(4)

      // Dry runs count policies once and every location in scope.
      expect(await store.measureLockdown({ kind: 'bucket', bucket: 'a', prefix: '' })).toEqual({
        policies: 1,
        objects: 1,
      })
      // (A location without a key is in no bucket scope, as the decision's rule reads it.)
      expect(await store.measureLockdown({ kind: 'bucket', bucket: 'b', prefix: '' })).toEqual({
        policies: 1,
        objects: 1,
      })
      expect(await store.measureLockdown({ kind: 'owner', owner: 'o@x.org' })).toEqual({
        policies: 1,
        objects: 4,
      })
      expect(await store.measureLockdown({ kind: 'all' })).toEqual({ policies: 1, objects: 4 })
      await store.close()
    })

    it('lists audit records by policy, actor, type (or family) and time, in seq order, page by page', async () => {
      const store = await open()
      const event = (type: string, email: string, policy?: string) =>
        store.appendAudit({
          type,
          actor: { email },
          ...(policy === undefined ? {} : { policy_id: policy }),
        })
      await event('policy.create', 'o@x.org', 'p-1')
      await event('key.release', 'r@x.org', 'p-1')
      await event('key.release.denied', 'z@x.org', 'p-1')
      await event('policy.share', 'o@x.org', 'p-1')
      await event('key.release', 'r@x.org', 'p-2')
      await event('user.create', 'admin@x.org')
      const seqs = async (filter: Parameters<Store['queryAudit']>[0], after = 0, limit = 100) =>
        (await store.queryAudit(filter, { after, limit })).map((r) => r.seq)
      expect(await seqs({})).toEqual([1, 2, 3, 4, 5, 6])
      expect(await seqs({ policyId: 'p-1' })).toEqual([1, 2, 3, 4])
      expect(await seqs({ policyId: 'p-1' }, 1, 2)).toEqual([2, 3])
      expect(await seqs({ actor: 'r@x.org' })).toEqual([2, 5])
      expect(await seqs({ type: 'key.release' })).toEqual([2, 5])
      expect(await seqs({ type: 'key.*' })).toEqual([2, 3, 5])
      expect(await seqs({ type: 'policy.*', policyId: 'p-1' })).toEqual([1, 4])
      const rows = await store.queryAudit({ policyId: 'p-2' }, { limit: 10 })
      expect(JSON.parse(Buffer.from(rows[0]?.recordBytes ?? []).toString('utf8'))).toMatchObject({
        seq: 5,
        type: 'key.release',
      })
      const third = JSON.parse(
        Buffer.from((await store.readAudit(2, 1))[0]?.recordBytes ?? []).toString('utf8'),
      ) as { time: string }
      expect(await seqs({ since: new Date(third.time) })).toEqual(
        expect.arrayContaining([3, 4, 5, 6]),
      )
      expect(
        await seqs({ until: new Date(Date.parse(third.time) + 1), since: new Date(third.time) }),
      ).toContain(3)
      expect(await seqs({ until: new Date('2000-01-01T00:00:00.000Z') })).toEqual([])
      await store.close()
    })

    it('lists policies newest first (creation, then id) page by page, each with its objects; a policy created while paging comes before the first page', async () => {
      const store = await open()
      const create = (id: string) =>
        store.createPolicy(
          {
            id,
            owner: 'o@x.org',
            readers: [],
            expiresAt: undefined,
            labels: {},
            createdBy: 'o@x.org',
          },
          draft(0),
        )
      // Ids grow with creation, so the order is the reverse of creation even within one
      // millisecond (the id breaks the tie).
      for (const id of ['p-01', 'p-02', 'p-03', 'p-04', 'p-05']) await create(id)
      await store.addPolicyObject(
        'p-03',
        { objectId: 'o1', coreHash: 'h1', bucket: 'b', key: 'k1' },
        () => draft(0),
      )
      await store.addPolicyObject(
        'p-03',
        { objectId: 'o1', coreHash: 'h1', bucket: 'c', key: 'k2' },
        () => draft(0),
      )
      await store.addPolicyObject(
        'p-04',
        { objectId: 'o2', coreHash: 'h2', bucket: undefined, key: undefined },
        () => draft(0),
      )
      const ids = (list: PolicyRecord[]) => list.map((p) => p.id)
      const first = await store.listPolicies({}, { limit: 2 })
      expect(ids(first)).toEqual(['p-05', 'p-04'])
      expect(first[1]?.objects).toMatchObject([
        { objectId: 'o2', bucket: undefined, key: undefined },
      ])
      await create('p-06')
      await create('p-07')
      const last = first.at(-1) as PolicyRecord
      const second = await store.listPolicies(
        {},
        { after: { createdAt: last.createdAt, id: last.id }, limit: 2 },
      )
      expect(ids(second)).toEqual(['p-03', 'p-02'])
      expect(second[0]?.objects.map((o) => [o.bucket, o.key])).toEqual([
        ['b', 'k1'],
        ['c', 'k2'],
      ])
      const after = second.at(-1) as PolicyRecord
      expect(
        ids(
          await store.listPolicies(
            {},
            { after: { createdAt: after.createdAt, id: after.id }, limit: 2 },
          ),
        ),
      ).toEqual(['p-01'])
      expect(ids(await store.listPolicies({}, { limit: 100 }))).toEqual([
        'p-07',
        'p-06',
        'p-05',
        'p-04',
        'p-03',
        'p-02',
        'p-01',
      ])
      expect(await store.listPolicies({ owner: 'nobody@x.org' }, { limit: 10 })).toEqual([])
      await store.close()
    })

    it('scopes lists and counts to the policies an email owns or reads (its *@domain too), and every filter only narrows them', async () => {
      const store = await open()
      const create = async (
        id: string,
        owner: string,
        readers: string[],
        more: { expiresAt?: Date; labels?: Record<string, string> } = {},
      ) =>
        store.createPolicy(
          {
            id,
            owner,
            readers,
            expiresAt: more.expiresAt,
            labels: more.labels ?? {},
            createdBy: owner,
          },
          draft(0),
        )
      await create('p-a1', 'alice@x.org', ['bob@y.org'], { labels: { team: 'red one' } })
      await create('p-a2', 'alice@x.org', ['*@y.org'], {
        expiresAt: new Date('2000-01-01T00:00:00.000Z'),
      })
      await create('p-a3', 'alice@x.org', [], { expiresAt: new Date('2099-01-01T00:00:00.000Z') })
      await create('p-C4', 'carol@z.org', ['bob@y.org', 'dave@z.org'], { labels: { team: 'blue' } })
      await create('p-c5', 'carol@z.org', ['*@sub.y.org'])
      await store.changePolicy('p-a3', () => ({
        patch: { revocation: { by: 'alice@x.org', at: new Date(), reason: undefined } },
        audit: draft(0),
      }))
      await store.addPolicyObject(
        'p-a1',
        { objectId: 'o1', coreHash: 'h', bucket: 'docs', key: 'Reports/Q1%.PDF' },
        () => draft(0),
      )
      await store.addPolicyObject(
        'p-C4',
        { objectId: 'o2', coreHash: 'h', bucket: 'docs', key: 'reports/x_1' },
        () => draft(0),
      )
      await store.addPolicyObject(
        'p-c5',
        { objectId: 'o3', coreHash: 'h', bucket: 'Ärger', key: 'Öl' },
        () => draft(0),
      )
      const ids = async (filter: Parameters<Store['listPolicies']>[0]) =>
        (await store.listPolicies(filter, { limit: 100 })).map((p) => p.id).sort()
      expect(await ids({})).toEqual(['p-C4', 'p-a1', 'p-a2', 'p-a3', 'p-c5'])
      // Owner: their own; bob: named, or through *@y.org (not *@sub.y.org); eve: nothing.
      expect(await ids({ visibleTo: 'alice@x.org' })).toEqual(['p-a1', 'p-a2', 'p-a3'])
      expect(await ids({ visibleTo: 'bob@y.org' })).toEqual(['p-C4', 'p-a1', 'p-a2'])
      expect(await ids({ visibleTo: 'eve@y.org' })).toEqual(['p-a2'])
      expect(await ids({ visibleTo: 'eve@sub.y.org' })).toEqual(['p-c5'])
      expect(await ids({ visibleTo: 'mallory@w.org' })).toEqual([])
      // A filter never widens the scope.
      expect(await ids({ visibleTo: 'eve@y.org', owner: 'carol@z.org' })).toEqual([])
      expect(await ids({ visibleTo: 'eve@y.org', reader: 'bob@y.org' })).toEqual(['p-a2'])
      expect(await ids({ visibleTo: 'mallory@w.org', search: 'p-' })).toEqual([])
      // The filters.
      expect(await ids({ owner: 'carol@z.org' })).toEqual(['p-C4', 'p-c5'])
      expect(await ids({ reader: 'bob@y.org' })).toEqual(['p-C4', 'p-a1', 'p-a2'])
      expect(await ids({ reader: '*@y.org' })).toEqual(['p-a2'])
      expect(await ids({ bucket: 'docs' })).toEqual(['p-C4', 'p-a1'])
      expect(await ids({ bucket: 'docs', prefix: 'Reports/' })).toEqual(['p-a1'])
      expect(await ids({ bucket: 'docs', prefix: 'Reports/Q1%' })).toEqual(['p-a1'])
      expect(await ids({ bucket: 'docs', prefix: 'Reports/Q_' })).toEqual([])
      expect(await ids({ label: { key: 'team', value: 'red one' } })).toEqual(['p-a1'])
      expect(await ids({ label: { key: 'team', value: 'red' } })).toEqual([])
      expect(await ids({ state: 'revoked' })).toEqual(['p-a3'])
      expect(await ids({ state: 'expired' })).toEqual(['p-a2'])
      expect(await ids({ state: 'active' })).toEqual(['p-C4', 'p-a1', 'p-c5'])
      // A substring of the id, the owner, a reader, a bucket or a key; ASCII letters in any case.
      expect(await ids({ search: 'p-c' })).toEqual(['p-C4', 'p-c5'])
      expect(await ids({ search: 'dave@' })).toEqual(['p-C4'])
      expect(await ids({ search: 'carol' })).toEqual(['p-C4', 'p-c5'])
      expect(await ids({ search: 'q1%.pdf' })).toEqual(['p-a1'])
      expect(await ids({ search: 'x_1' })).toEqual(['p-C4'])
      expect(await ids({ search: 'q1_' })).toEqual([])
      expect(await ids({ search: 'Öl' })).toEqual(['p-c5'])
      expect(await ids({ search: 'öl' })).toEqual([])
      expect(await ids({ search: 'docs' })).toEqual(['p-C4', 'p-a1'])
      expect(await ids({ visibleTo: 'bob@y.org', state: 'active', search: 'p-a' })).toEqual([
        'p-a1',
      ])
      // Page by page through what alice owns and reads (both sources interleaved), one at a time.
      await store.changePolicy('p-C4', () => ({
        patch: { readers: ['bob@y.org', 'dave@z.org', 'alice@x.org'] },
        audit: draft(0),
      }))
      const whole = await store.listPolicies({ visibleTo: 'alice@x.org' }, { limit: 100 })
      expect(whole.map((p) => p.id).sort()).toEqual(['p-C4', 'p-a1', 'p-a2', 'p-a3'])
      const paged: string[] = []
      let after: { createdAt: Date; id: string } | undefined
      for (;;) {
        const [next] = await store.listPolicies(
          { visibleTo: 'alice@x.org' },
          { ...(after === undefined ? {} : { after }), limit: 1 },
        )
        if (next === undefined) break
        paged.push(next.id)
        after = { createdAt: next.createdAt, id: next.id }
      }
      expect(paged).toEqual(whole.map((p) => p.id))
      // Readers follow every change of them.
      await store.changePolicy('p-C4', () => ({
        patch: { readers: ['dave@z.org'] },
        audit: draft(0),
      }))
      expect(await ids({ visibleTo: 'bob@y.org' })).toEqual(['p-a1', 'p-a2'])
      expect(await ids({ reader: 'dave@z.org' })).toEqual(['p-C4'])
      expect(await store.countPolicies({})).toMatchObject({
        total: 5,
        active: 3,
        revoked: 1,
        expired: 1,
      })
      expect(await store.countPolicies({ visibleTo: 'bob@y.org' })).toMatchObject({
        total: 2,
        active: 1,
        revoked: 0,
        expired: 1,
      })
      expect(await store.countPolicies({ visibleTo: 'mallory@w.org' })).toMatchObject({
        total: 0,
        active: 0,
        revoked: 0,
        expired: 0,
      })
      const { at } = await store.countPolicies({})
      expect(Math.abs(at.getTime() - Date.now())).toBeLessThan(60_000)
      await store.close()
    })

    it('lists audit records newest first before a seq, and those about the policies an email owns', async () => {
      const store = await open()
      for (const [id, owner] of [
        ['p-1', 'o@x.org'],
        ['p-2', 'other@x.org'],
      ]) {
        await store.createPolicy(
          {
            id: id as string,
            owner: owner as string,
            readers: [],
            expiresAt: undefined,
            labels: {},
            createdBy: 'o@x.org',
          },
          { type: 'policy.create', actor: { email: 'o@x.org' }, policy_id: id as string },
        )
      }
      await store.appendAudit({
        type: 'key.release',
        actor: { email: 'r@x.org' },
        policy_id: 'p-1',
      })
      await store.appendAudit({
        type: 'policy.share',
        actor: { email: 'o@x.org' },
        policy_id: 'p-2',
      })
      await store.appendAudit({
        type: 'policy.share',
        actor: { email: 'o@x.org' },
        policy_id: 'p-1',
      })
      await store.appendAudit({ type: 'user.create', actor: { email: 'a@x.org' } })
      const seqs = async (
        filter: Parameters<Store['queryAudit']>[0],
        page: Parameters<Store['queryAudit']>[1],
      ) => (await store.queryAudit(filter, page)).map((r) => r.seq)
      expect(await seqs({}, { order: 'desc', limit: 100 })).toEqual([6, 5, 4, 3, 2, 1])
      expect(await seqs({}, { order: 'desc', before: 5, limit: 2 })).toEqual([4, 3])
      expect(await seqs({}, { order: 'desc', after: 2, before: 5, limit: 10 })).toEqual([4, 3])
      expect(await seqs({}, { after: 2, before: 5, limit: 10 })).toEqual([3, 4])
      expect(await seqs({ type: 'policy.*' }, { order: 'desc', limit: 2 })).toEqual([5, 4])
      expect(
        await seqs({ type: 'policy.*', policyOwner: 'o@x.org' }, { order: 'desc', limit: 10 }),
      ).toEqual([5, 1])
      expect(await seqs({ policyOwner: 'other@x.org' }, { limit: 10 })).toEqual([2, 4])
      expect(await seqs({ policyOwner: 'nobody@x.org' }, { limit: 10 })).toEqual([])
      await store.close()
    })

    it('decides in one transaction: the judge sees the policy and the database clock, the record commits with it', async () => {
      const store = await open()
      await store.createPolicy(
        {
          id: 'p-1',
          owner: 'o@x.org',
          readers: [],
          expiresAt: undefined,
          labels: {},
          createdBy: 'o',
        },
        draft(1),
      )
      const before = Date.now()
      const result = await store.decide({
        policyId: 'p-1',
        judge: (policy, now) => {
          expect(policy?.owner).toBe('o@x.org')
          expect(Math.abs(now.getTime() - before)).toBeLessThan(5_000)
          return { permit: true, reason: 'owner' }
        },
        record: (verdict, policy) =>
          auditEvent('key.release', SYSTEM_IDENTITY, undefined, {
            reason: verdict.reason,
            policy_version: policy?.version,
          }),
      })
      expect(result).toEqual({ verdict: { permit: true, reason: 'owner' }, seq: 2 })
      const unknown = await store.decide({
        policyId: 'p-2',
        judge: (policy) => ({ permit: policy !== undefined, reason: 'policy_unknown' }),
        record: () => draft(3),
      })
      expect(unknown.verdict.permit).toBe(false)
      // A record that cannot be serialized aborts the decision: nothing is appended.
      expect(
        await codeOf(
          store.decide({
            policyId: 'p-1',
            judge: () => ({ permit: true, reason: 'x' }),
            record: () => ({ type: 'bad', x: 1.5 }),
          }),
        ),
      ).toBeDefined()
      expect((await store.auditHead()).size).toBe(3)
      const [record] = await store.readAudit(1, 1)
      expect(JSON.parse(Buffer.from(record?.recordBytes ?? []).toString())).toMatchObject({
        type: 'key.release',
        seq: 2,
        v: 1,
        policy_version: 1,
      })
      await store.close()
    })

    it('decides concurrent requests each on its own: one that fails appends nothing and fails no other', async () => {
      const store = await open()
      await KeyRing.open(store, createRootKeySealer(Buffer.alloc(32, 7)))
      const head = (await store.auditHead()).size
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          store.decide({
            policyId: `p-${i}`,
            judge: () => ({ permit: false, reason: 'policy_unknown' }),
            // Decision 5's record cannot be serialized (a float): it alone fails.
            record: () => (i === 5 ? { type: 'bad', x: 1.5 } : draft(i)),
          }),
        ),
      )
      expect(outcomes.map((o) => o.status)).toEqual(
        Array.from({ length: 12 }, (_, i) => (i === 5 ? 'rejected' : 'fulfilled')),
      )
      const failed = outcomes[5] as PromiseRejectedResult
      expect(failed.reason).toBeInstanceOf(ServerError)
      expect((failed.reason as ServerError).code).toBe('ERR_INTERNAL')
      // Contiguous, in any order (a PostgreSQL store decides concurrent requests in parallel).
      const seqs = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.seq] : []))
      expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 11 }, (_, i) => head + 1 + i))
      const rows = await store.readAudit(head, 100)
      const numbers = rows.map((r) => JSON.parse(Buffer.from(r.recordBytes).toString()).n)
      expect(numbers.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11])
      expect((await verifyStore(store)).ok).toBe(true)
      await store.close()
    })

    it('appends contiguous sequence numbers under concurrency and reads them back in pages', async () => {
      const store = await open()
      const seqs = await Promise.all(
        Array.from({ length: 300 }, (_, i) => store.appendAudit(draft(i))),
      )
      expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
      const page = await store.readAudit(100, 50)
      expect(page.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 101 + i))
      let count = 0
      for await (const row of store.iterateAudit(0)) {
        count++
        expect(row.seq).toBe(count)
      }
      expect(count).toBe(300)
      const tail: number[] = []
      for await (const row of store.iterateAudit(250)) tail.push(row.seq)
      expect(tail).toEqual(Array.from({ length: 50 }, (_, i) => 251 + i))
      await store.close()
    })

    it('signs checkpoints that verify, refuses a note that signs something else or does not chain to the last one, and the chain verifies', async () => {
      const store = await open()
      const keys = await KeyRing.open(store, createRootKeySealer(Buffer.alloc(32, 7)))
      const checkpointer = new Checkpointer(store, keys, { intervalMs: 60_000, records: 10_000 })
      for (let i = 0; i < 25; i++) await store.appendAudit(draft(i))
      expect(await checkpointer.sign()).toBe(27)
      const first = await store.latestCheckpoint()
      const note =
        (fields: Partial<Checkpoint>) => (size: number, headHash: Uint8Array, time: Date) =>
          signCheckpoint(
            {
              origin: store.auditOrigin,
              size,
              headHash,
              time,
              previousNoteHash: noteHash(first?.note ?? ''),
              ...fields,
            },
            keys.checkpointSigner,
          )
      expect(await codeOf(store.addCheckpoint(() => 'forged'))).toBe('ERR_INTERNAL')
      expect(await codeOf(store.addCheckpoint(note({ size: 10 })))).toBe('ERR_INTERNAL')
      expect(await codeOf(store.addCheckpoint(note({ headHash: Buffer.alloc(32) })))).toBe(
        'ERR_INTERNAL',
      )
      expect(await codeOf(store.addCheckpoint(note({ time: new Date(0) })))).toBe('ERR_INTERNAL')
      // A second signer that read no previous note: two signers cannot fork the notes.
      expect(await codeOf(store.addCheckpoint(note({ previousNoteHash: undefined })))).toBe(
        'ERR_CONFLICT',
      )
      expect(await store.listCheckpoints()).toEqual([first])
      for (let i = 0; i < 5; i++) await store.appendAudit(draft(i))
      const head = await store.auditHead()
      expect(head).toMatchObject({ size: 32, signedSize: 27 })
      expect(head.firstUnsignedAt).toBeInstanceOf(Date)
      const report = await verifyStore(store)
      expect(report).toMatchObject({
        ok: true,
        records: 32,
        checkpoints: 1,
        signedSize: 27,
        unsignedRecords: 5,
      })
      expect(report.problems).toEqual([])
      await store.close()
    })

    it('times every checkpoint no earlier than the newest record it covers, whatever the signing instance’s clock says', async () => {
      const store = await open()
      const keys = await KeyRing.open(store, createRootKeySealer(Buffer.alloc(32, 7)))
      const checkpointer = new Checkpointer(store, keys, { intervalMs: 60_000, records: 10_000 })
      const newestTime = async () => {
        const [row] = await store.readAudit((await store.auditHead()).size - 1, 1)
        return Date.parse(
          (JSON.parse(Buffer.from(row?.recordBytes ?? []).toString()) as { time: string }).time,
        )
      }
      const now = Date.now
      for (const skew of [-10_000, 10_000, -10_000]) {
        for (let i = 0; i < 5; i++) await store.appendAudit(draft(i))
        const newest = await newestTime()
        // The signing instance's clock is off by `skew`; the database's is not.
        const spy = vi.spyOn(Date, 'now').mockImplementation(() => now() + skew)
        try {
          await checkpointer.sign()
        } finally {
          spy.mockRestore()
        }
        const checkpoint = await store.latestCheckpoint()
        const signed = checkpoint?.signedAt.getTime() ?? 0
        expect(signed).toBeGreaterThanOrEqual(newest)
        expect(signed).toBeLessThan(Date.now() + 1_000)
        expect(parseCheckpointNote(checkpoint?.note ?? '').time.getTime()).toBe(signed)
      }
      const times = (await store.listCheckpoints()).map((c) => c.signedAt.getTime())
      expect([...times].sort((a, b) => a - b)).toEqual(times)
      const report = await verifyStore(store)
      expect(report.problems).toEqual([])
      await store.close()
    })

    it('refuses a checkpoint note that does not chain to the note stored last, and stores nothing', async () => {
      const store = await open()
      const keys = await KeyRing.open(store, createRootKeySealer(Buffer.alloc(32, 7)))
      const checkpointer = new Checkpointer(store, keys, { intervalMs: 60_000, records: 10_000 })
      const chainedTo =
        (previousNoteHash: Uint8Array | undefined) =>
        (size: number, headHash: Uint8Array, time: Date) =>
          signCheckpoint(
            { origin: store.auditOrigin, size, headHash, time, previousNoteHash },
            keys.checkpointSigner,
          )
      // The first note chains to none.
      expect(await codeOf(store.addCheckpoint(chainedTo(Buffer.alloc(32, 1))))).toBe('ERR_CONFLICT')
      expect(await store.listCheckpoints()).toEqual([])
      expect((await store.auditHead()).signedSize).toBe(0)

      await checkpointer.sign()
      await store.appendAudit(draft(1))
      await checkpointer.sign()
      const stored = await store.listCheckpoints()
      const [older, latest] = stored
      if (older === undefined || latest === undefined) throw new Error('two checkpoints expected')
      await store.appendAudit(draft(2))
      // A signer that read an older note, one that read a note never stored, one that read none.
      for (const prev of [noteHash(older.note), Buffer.alloc(32, 1), undefined]) {
        expect(await codeOf(store.addCheckpoint(chainedTo(prev)))).toBe('ERR_CONFLICT')
      }
      expect(await store.listCheckpoints()).toEqual(stored)
      expect(await store.auditHead()).toMatchObject({
        signedSize: latest.size,
        signedAt: latest.signedAt,
      })
      const chained = await store.addCheckpoint(chainedTo(noteHash(latest.note)))
      expect(chained.size).toBe(latest.size + 1)
      expect((await verifyStore(store)).problems).toEqual([])
      await store.close()
    })

    it('refuses to sign a checkpoint when the chain head row disagrees with the stored chain', async () => {
      const store = await open()
      const keys = await KeyRing.open(store, createRootKeySealer(Buffer.alloc(32, 7)))
      const checkpointer = new Checkpointer(store, keys, { intervalMs: 60_000, records: 10_000 })
      for (let i = 0; i < 3; i++) await store.appendAudit(draft(i))
      await runSql(store, 'UPDATE audit_head SET size = size - 1 WHERE id = 1')
      const signed = vi.fn(() => 'not signed')
      expect(await codeOf(store.addCheckpoint(signed))).toBe('ERR_CONFLICT')
      expect(signed).not.toHaveBeenCalled()
      await runSql(store, 'UPDATE audit_head SET size = size + 1 WHERE id = 1')
      expect(await checkpointer.sign()).toBe(5)
      await store.close()
    })

    it('makes no change whose audit record cannot be appended (the unsigned tail past its bound)', async () => {
      const store = await open({ maxUnsignedRecords: 4, maxUnsignedAgeMs: 600_000 })
      const hash = hashApiToken('latch_a')
      await store.createUser(
        { email: 'a@x.org', role: 'user', mayAssignOwner: false },
        { id: 'tokaaaaaaaaa', email: 'a@x.org', hash, mintedBy: 'system' },
        draft(1),
      )
      await store.createPolicy(
        {
          id: 'p-1',
          owner: 'a@x.org',
          readers: [],
          expiresAt: undefined,
          labels: {},
          createdBy: 'a@x.org',
        },
        draft(2),
      )
      await store.addPolicyObject(
        'p-1',
        { objectId: 'o1', coreHash: 'h1', bucket: 'b', key: 'k' },
        () => draft(3),
      )
      await store.addLockdownRule(
        { id: 'ld_00000000000000000001', scope: { kind: 'all' }, reason: 'r', createdBy: 's' },
        () => draft(4),
      )
      const refused = async (change: Promise<unknown>) =>
        expect(await codeOf(change)).toBe('ERR_AUDIT_UNAVAILABLE')
      await refused(
        store.addServerKey(
          {
            kid: 'k1',
            use: 'wrap',
            publicKey: Buffer.alloc(32, 1),
            sealedPrivateKey: Buffer.alloc(60, 2),
            createdAt: new Date(),
          },
          draft(5),
        ),
      )
      await refused(
        store.createUser(
          { email: 'b@x.org', role: 'user', mayAssignOwner: false },
          { id: 'tokbbbbbbbbb', email: 'b@x.org', hash: hashApiToken('latch_b'), mintedBy: 's' },
          draft(6),
        ),
      )
      await refused(store.disableUser('a@x.org', draft(7)))
      await refused(
        store.linkUserOidc('a@x.org', { issuer: 'https://idp.x.org', subject: 's' }, () =>
          draft(8),
        ),
      )
      await refused(
        store.addToken(
          { id: 'tokcccccccccc', email: 'a@x.org', hash: hashApiToken('latch_c'), mintedBy: 's' },
          draft(9),
        ),
      )
      await refused(store.revokeToken('tokaaaaaaaaa', draft(10)))
      await refused(
        store.createPolicy(
          {
            id: 'p-2',
            owner: 'a@x.org',
            readers: [],
            expiresAt: undefined,
            labels: {},
            createdBy: 'a',
          },
          draft(11),
        ),
      )
      await refused(
        store.addPolicyObject(
          'p-1',
          { objectId: 'o1', coreHash: 'h1', bucket: 'c', key: 'k' },
          () => draft(12),
        ),
      )
      await refused(
        store.changePolicy('p-1', () => ({
          patch: { readers: ['r@x.org'], expiresAt: new Date(), revocation: null },
          audit: draft(13),
        })),
      )
      await refused(
        store.addLockdownRule(
          { id: 'ld_00000000000000000002', scope: { kind: 'all' }, reason: 'r', createdBy: 's' },
          () => draft(14),
        ),
      )
      await refused(
        store.liftLockdownRule('ld_00000000000000000001', () => ({
          by: 's',
          reason: undefined,
          audit: draft(15),
        })),
      )
      expect(await store.listServerKeys()).toEqual([])
      expect(await store.findUser('b@x.org')).toBeUndefined()
      expect(await store.findUser('a@x.org')).toMatchObject({
        disabledAt: undefined,
        oidc: undefined,
      })
      expect((await store.listTokens('a@x.org')).map((t) => t.id)).toEqual(['tokaaaaaaaaa'])
      expect((await store.findLiveToken(hash))?.token.id).toBe('tokaaaaaaaaa')
      expect(await store.getPolicy('p-2')).toBeUndefined()
      expect(await store.getPolicy('p-1')).toMatchObject({
        version: 2,
        readers: [],
        expiresAt: undefined,
        objects: [{ objectId: 'o1', bucket: 'b', key: 'k' }],
      })
      expect(await store.listLockdownRules({ includeLifted: true })).toMatchObject([
        { id: 'ld_00000000000000000001', lifted: undefined },
      ])
      expect((await store.auditHead()).size).toBe(4)
      await store.close()
    })

    it('applies a policy change’s patch: absent members stay, null clears the expiry or lifts the revocation; no object list is loaded or returned', async () => {
      const store = await open()
      const expiry = new Date('2099-01-01T00:00:00.000Z')
      await store.createPolicy(
        {
          id: 'p-1',
          owner: 'o@x.org',
          readers: ['r@x.org'],
          expiresAt: expiry,
          labels: { l: 'v' },
          createdBy: 'o',
        },
        draft(1),
      )
      const seen: PolicyRecord[] = []
      const added = await store.addPolicyObject(
        'p-1',
        { objectId: 'o1', coreHash: 'h1', bucket: 'b', key: 'k' },
        (before) => {
          seen.push(before)
          return draft(2)
        },
      )
      expect(added.objects).toEqual([])
      const change = (patch: PolicyPatch) =>
        store.changePolicy('p-1', (before) => {
          seen.push(before)
          return { patch, audit: draft(3) }
        })
      expect(await change({ readers: ['s@x.org', '*@y.org'] })).toMatchObject({
        version: 3,
        readers: ['s@x.org', '*@y.org'],
        expiresAt: expiry,
        revocation: undefined,
        labels: { l: 'v' },
        objects: [],
      })
      const revocation = { by: 'o@x.org', at: new Date('2026-01-01T00:00:00.000Z'), reason: 'r' }
      expect(await change({ revocation })).toMatchObject({
        version: 4,
        readers: ['s@x.org', '*@y.org'],
        expiresAt: expiry,
        revocation,
      })
      expect(await change({ expiresAt: null })).toMatchObject({
        version: 5,
        readers: ['s@x.org', '*@y.org'],
        expiresAt: undefined,
        revocation,
      })
      expect(await change({})).toMatchObject({ version: 6, expiresAt: undefined, revocation })
      expect(await change({ revocation: null, readers: [] })).toMatchObject({
        version: 7,
        readers: [],
        expiresAt: undefined,
        revocation: undefined,
      })
      expect(seen.map((p) => p.objects)).toEqual(seen.map(() => []))
      expect((await store.getPolicy('p-1', { objects: false }))?.objects).toEqual([])
      expect((await store.getPolicy('p-1'))?.objects).toHaveLength(1)
      await store.close()
    })

    it('keeps the server’s key pairs byte for byte, oldest first, each with its audit record', async () => {
      const store = await open()
      const key = (kid: string, use: 'wrap' | 'checkpoint', n: number, createdAt: string) => ({
        kid,
        use,
        publicKey: Buffer.alloc(32, n),
        sealedPrivateKey: Buffer.alloc(60, n + 1),
        createdAt: new Date(createdAt),
      })
      const newer = key('x25519-b', 'wrap', 1, '2026-02-01T00:00:00.000Z')
      const older = key('ed25519-a', 'checkpoint', 3, '2026-01-01T00:00:00.000Z')
      await store.addServerKey(newer, draft(1))
      await store.addServerKey(older, draft(2))
      expect(await store.listServerKeys()).toEqual([older, newer])
      expect((await store.auditHead()).size).toBe(2)
      await store.close()
    })

    it('reseals server keys all at once with their record, or none when one changed meanwhile', async () => {
      const store = await open()
      const key = (kid: string, n: number) => ({
        kid,
        use: 'wrap' as const,
        publicKey: Buffer.alloc(32, n),
        sealedPrivateKey: Buffer.alloc(60, n + 1),
        createdAt: new Date(`2026-01-0${n}T00:00:00.000Z`),
      })
      const a = key('x25519-a', 1)
      const b = key('x25519-b', 2)
      await store.addServerKey(a, draft(1))
      await store.addServerKey(b, draft(2))
      const moved = (k: typeof a, n: number) => ({
        kid: k.kid,
        previous: k.sealedPrivateKey,
        sealedPrivateKey: Buffer.alloc(70, n),
      })
      // b's previous bytes are wrong (another reseal moved it): nothing changes, not even a.
      await expect(
        store.resealServerKeys(
          [moved(a, 9), { ...moved(b, 8), previous: Buffer.alloc(60, 0) }],
          draft(3),
        ),
      ).rejects.toMatchObject({ code: 'ERR_CONFLICT' })
      expect(await store.listServerKeys()).toEqual([a, b])
      expect((await store.auditHead()).size).toBe(2)
      await store.resealServerKeys([moved(a, 9), moved(b, 8)], draft(3))
      expect(await store.listServerKeys()).toEqual([
        { ...a, sealedPrivateKey: Buffer.alloc(70, 9) },
        { ...b, sealedPrivateKey: Buffer.alloc(70, 8) },
      ])
      expect((await store.auditHead()).size).toBe(3)
      await store.close()
    })

    it('lists a type family by its members only, and takes % and _ in a type literally', async () => {
      const store = await open()
      for (const type of ['policy', 'policy.create', 'policyx.create', 'a%b.c', 'axb.c', 'a_b.c']) {
        await store.appendAudit({ type, actor: { email: 'o@x.org' } })
      }
      const seqs = async (type: string) =>
        (await store.queryAudit({ type }, { limit: 100 })).map((r) => r.seq)
      expect(await seqs('policy.*')).toEqual([2])
      expect(await seqs('policy')).toEqual([1])
      expect(await seqs('a%b.*')).toEqual([4])
      expect(await seqs('a_b.*')).toEqual([6])
      expect(await seqs('a%b.c')).toEqual([4])
      await store.close()
    })

    it('answers a ping while the database is open, and ERR_STORE_UNAVAILABLE once it is closed', async () => {
      const store = await open()
      await store.ping()
      await store.close()
      expect(await codeOf(store.ping())).toBe('ERR_STORE_UNAVAILABLE')
    })

    it('refuses to append past the unsigned-tail bound, appending nothing', async () => {
      const store = await open({ maxUnsignedRecords: 3, maxUnsignedAgeMs: 60_000 })
      for (let i = 0; i < 3; i++) await store.appendAudit(draft(i))
      expect(await codeOf(store.appendAudit(draft(3)))).toBe('ERR_AUDIT_UNAVAILABLE')
      expect(
        await codeOf(
          store.decide({
            policyId: 'p',
            judge: () => ({ permit: true, reason: 'x' }),
            record: () => draft(4),
          }),
        ),
      ).toBe('ERR_AUDIT_UNAVAILABLE')
      expect((await store.auditHead()).size).toBe(3)
      await store.close()
    })

    it('answers a record or a note that cannot be written as an internal error, not as the database failing, and appends nothing', async () => {
      const store = await open()
      const float = auditEvent('server.start', SYSTEM_IDENTITY, undefined, { n: 1.5 })
      expect(await codeOf(store.appendAudit(float))).toBe('ERR_INTERNAL')
      expect(
        await codeOf(
          store.decide({
            policyId: 'p',
            judge: () => ({ permit: true, reason: 'x' }),
            record: () => float,
          }),
        ),
      ).toBe('ERR_INTERNAL')
      const keys = await KeyRing.open(store, createRootKeySealer(Buffer.alloc(32, 7)))
      const unsignable = (size: number, headHash: Uint8Array, time: Date) =>
        signCheckpoint(
          { origin: 'not an origin', size, headHash, time, previousNoteHash: undefined },
          keys.checkpointSigner,
        )
      expect(await codeOf(store.addCheckpoint(unsignable))).toBe('ERR_INTERNAL')
      expect((await store.auditHead()).size).toBe(2) // the key ring's own records
      await store.close()
    })
  })
}
