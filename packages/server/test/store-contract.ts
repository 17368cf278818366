import { describe, expect, it } from 'vitest'
import { auditEvent } from '../src/audit/audit-event.js'
import { Checkpointer } from '../src/audit/checkpointer.js'
import { verifyStore } from '../src/audit/verify-store.js'
import { SYSTEM_IDENTITY } from '../src/auth/identity.js'
import { ServerError } from '../src/errors.js'
import { hashApiToken } from '../src/identity/api-token.js'
import { KeyRing } from '../src/keys/key-ring.js'
import { createRootKeySealer } from '../src/keys/key-sealer.js'
import type { PolicyRecord } from '../src/store/records.js'
import type { Store } from '../src/store/store.js'

/** Opens a fresh, empty store with these unsigned-tail bounds. */
export type OpenStore = (bounds?: {
  maxUnsignedRecords: number
  maxUnsignedAgeMs: number
}) => Promise<Store>

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
 * The store contract (HS-13): what every {@link Store} implementation must do, run against
 * SQLite here and against PostgreSQL by its own test file.
 */
export function describeStoreContract(name: string, open: OpenStore): void {
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
        { id: 'tokaaaaaaaaa', email: 'a@x.org', hash },
        draft(1),
      )
      expect(user).toMatchObject({ email: 'a@x.org', role: 'admin', disabledAt: undefined })
      expect(
        await codeOf(
          store.createUser(
            { email: 'a@x.org', role: 'user', mayAssignOwner: false },
            { id: 'tokbbbbbbbbb', email: 'a@x.org', hash: hashApiToken('latch_b') },
            draft(2),
          ),
        ),
      ).toBe('ERR_CONFLICT')
      expect((await store.findLiveToken(hash))?.user.email).toBe('a@x.org')
      await store.addToken(
        { id: 'tokcccccccccc', email: 'a@x.org', hash: hashApiToken('latch_c') },
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
      await store.close()
    })

    it('signs checkpoints that verify, refuses one that does not match the chain, and the chain verifies', async () => {
      const store = await open()
      const keys = await KeyRing.open(store, createRootKeySealer(Buffer.alloc(32, 7)))
      const checkpointer = new Checkpointer(store, keys, { intervalMs: 60_000, records: 10_000 })
      for (let i = 0; i < 25; i++) await store.appendAudit(draft(i))
      expect(await checkpointer.sign()).toBe(27)
      expect(await codeOf(store.addCheckpoint(10, Buffer.alloc(32), 'forged', new Date()))).toBe(
        'ERR_CONFLICT',
      )
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
  })
}
