import { randomBytes } from 'node:crypto'
import {
  KeyServerClient,
  KeyServerError,
  keyServerResolver,
  LatchClient,
  nodeHttpTransport,
  PolicyBatcher,
} from '@latch/client'
import { decryptBuffer, encryptBuffer } from '@latch/format'
import type { ClaimedPolicyRequest } from '@latch/protocol'
import { describe, expect, it } from 'vitest'
import { verifyStore } from '../src/audit/verify-store.js'
import { policyIdOfClaim } from '../src/policy/policy-id-of-claim.js'
import type { RunningServer } from '../src/server.js'

/** A running key server on a real store, and how to break its audit for one policy. */
export interface BatchHarness {
  readonly server: RunningServer
  readonly adminToken: string
  /** Makes appending any audit record of these policies fail, as a full disk would. */
  sabotage(policyIds: readonly string[]): Promise<void>
  /** Undoes {@link BatchHarness.sabotage}. */
  repair(): Promise<void>
}

/** The server's `batchMax` the harness starts it with. */
export const BATCH_MAX = 20

const data = (i: number) => Buffer.from(`small file ${i}`)
const claim = () => randomBytes(32).toString('base64url')
const object = () => ({
  objectId: randomBytes(16).toString('base64url').slice(0, 22),
  coreHash: randomBytes(32).toString('base64url'),
  bucket: 'b',
  key: 'k',
})

/**
 * `POST /v1/policies/batch` and `LatchClient`'s coalescing of concurrent creations, against a
 * real server over HTTP on the store the harness opened (issue 16).
 */
export function policyBatchContract(name: string, harness: () => BatchHarness): void {
  describe(`policies created in batches (${name})`, () => {
    /** A client whose every request is counted by path. */
    async function counted(email: string) {
      const { server, adminToken } = harness()
      const admin = new KeyServerClient({ server: server.url, token: adminToken })
      const { token } = await admin.createUser(`${randomBytes(4).toString('hex')}-${email}`)
      const paths: string[] = []
      const client = new KeyServerClient({
        server: server.url,
        token,
        transport: (request) => {
          paths.push(`${request.method} ${new URL(request.url).pathname}`)
          return nodeHttpTransport(request)
        },
      })
      return { client, paths, email: (await client.me()).email }
    }

    async function auditSize(): Promise<number> {
      return (await harness().server.services.store.auditHead()).size
    }

    it('sends 16 objects written at once in at most 2 requests, each its own policy with its own two records, and the chain verifies', async () => {
      const { client, paths, email } = await counted('writer@example.com')
      const reader = await counted('reader@example.com')
      const latch = new LatchClient(client)
      await latch.keyResolver() // the key set, fetched once before the writes
      paths.length = 0
      const before = await auditSize()
      const written = await Promise.all(
        Array.from({ length: 16 }, async (_, i) => {
          const pending = await latch.createDeferredWriter({ readers: [reader.email] })
          const object = encryptBuffer(pending.writer, data(i))
          const registered = await pending.register({ bucket: 'b', key: `k/${i}` })
          return { object, registered }
        }),
      )
      expect(paths.length).toBeLessThanOrEqual(2)
      expect(paths.every((p) => p === 'POST /v1/policies/batch' || p === 'POST /v1/policies')).toBe(
        true,
      )
      const ids = written.map((w) => w.registered.policyId)
      expect(new Set(ids).size).toBe(16)
      expect(written.every((w) => w.registered.version === 2)).toBe(true)
      // Two records per policy, the creation then the registration, nothing else.
      const store = harness().server.services.store
      expect(await auditSize()).toBe(before + 32)
      const records = (await store.readAudit(before, 32)).map(
        (r) => JSON.parse(Buffer.from(r.recordBytes).toString('utf8')) as Record<string, unknown>,
      )
      for (const { registered } of written) {
        const own = records.filter((r) => r.policy_id === registered.policyId)
        expect(own).toMatchObject([
          { type: 'policy.create', actor: { email } },
          {
            type: 'policy.object.add',
            actor: { email },
            policy_version: 1,
            object_id: registered.objectId,
            core_hash: registered.coreHash,
          },
        ])
      }
      expect((await verifyStore(store)).ok).toBe(true)
      // Each object is governed by its own policy: the reader decrypts every one.
      const { kasId } = await reader.client.keys()
      const resolve = keyServerResolver({ [kasId]: reader.client })
      for (const [i, { object }] of written.entries()) {
        expect(Buffer.from(await decryptBuffer(object, resolve))).toEqual(data(i))
      }
    })

    it('refuses one item as the single route would, and creates its neighbours', async () => {
      const { client, email } = await counted('owner@example.com')
      const items: ClaimedPolicyRequest[] = []
      const taken = claim()
      await client.createPolicy({ claim: taken, object: object() })
      items.push(
        { claim: claim(), object: object() },
        { claim: taken, object: object() }, // a claim used already: 409
        { claim: claim(), object: object(), owner: 'someone-else@example.com' }, // 403
        { claim: claim(), object: { ...object(), bucket: 'b-only', key: undefined as never } }, // bucket without key: 400
        { claim: claim(), object: object(), expiresAt: '2001-01-01T00:00:00Z' }, // past: 400
        { claim: claim(), object: object(), readers: ['r@example.com'] },
      )
      const twice = claim()
      items.push({ claim: twice, object: object() }, { claim: twice, object: object() })
      const before = await auditSize()
      const { results } = await client.createPolicies(items)
      expect(results.map((r) => ('error' in r ? r.error.code : 'created'))).toEqual([
        'created',
        'ERR_CONFLICT',
        'ERR_ACCESS_FORBIDDEN',
        'ERR_REQUEST_INVALID',
        'ERR_REQUEST_INVALID',
        'created',
        'created',
        'ERR_CONFLICT',
      ])
      expect(await auditSize()).toBe(before + 3 * 2)
      for (const result of results) {
        if ('policy' in result) {
          expect(result.policy).toMatchObject({ owner: email, version: 2, createdBy: email })
        }
      }
      // Each error is the single route's answer to that item alone, word for word.
      for (const [i, result] of results.entries()) {
        if (!('error' in result)) continue
        const alone = await client.createPolicy(items[i] as ClaimedPolicyRequest).then(
          () => expect.fail('the single route created it'),
          (e: unknown) => e as KeyServerError,
        )
        expect(result.error.code).toBe(alone.code)
        expect(result.error.message).toBe(alone.message)
      }
    })

    it('lets the first of two items with one claim win, as single requests would', async () => {
      const { client } = await counted('owner@example.com')
      const items: ClaimedPolicyRequest[] = []
      for (let i = 0; i < BATCH_MAX / 2; i++) {
        const shared = claim()
        items.push({ claim: shared, object: object() }, { claim: shared, object: object() })
      }
      const { results } = await client.createPolicies(items)
      expect(results.map((r) => ('error' in r ? r.error.code : 'created'))).toEqual(
        items.map((_, i) => (i % 2 === 0 ? 'created' : 'ERR_CONFLICT')),
      )
      for (const [i, result] of results.entries()) {
        if ('policy' in result) {
          const { claim: own } = items[i] as ClaimedPolicyRequest
          expect(result.policy.id).toBe(policyIdOfClaim(own))
        }
      }
    })

    it('takes a creation aborted while it waits for its batch out of it, and rejects one aborted in flight at once', async () => {
      const { server, adminToken } = harness()
      const admin = new KeyServerClient({ server: server.url, token: adminToken })
      const { token } = await admin.createUser(
        `${randomBytes(4).toString('hex')}-abort@example.com`,
      )
      // Every request waits for `release` before it goes out, and is counted.
      const sent: string[] = []
      let release = () => {}
      const gate = new Promise<void>((resolve) => (release = resolve))
      const client = new KeyServerClient({
        server: server.url,
        token,
        transport: async (request) => {
          await gate
          sent.push(`${request.method} ${new URL(request.url).pathname}`)
          return nodeHttpTransport(request)
        },
      })
      const batcher = new PolicyBatcher(client, { maxInFlight: 1 })
      const item = (): ClaimedPolicyRequest => ({ claim: claim(), object: object() })
      const [first, queued, inFlight, late] = [item(), item(), item(), item()]
      // The first two go out as one batch and wait at the gate; the other two queue behind them.
      const aborted = new AbortController()
      const created = batcher.create(first)
      const given = batcher.create(inFlight, { signal: aborted.signal })
      await new Promise((resolve) => setTimeout(resolve, 20))
      const waiting = new AbortController()
      const stays = batcher.create(queued, { signal: waiting.signal })
      const goes = batcher.create(late)
      waiting.abort(new Error('the upload was cancelled'))
      aborted.abort(new Error('gave up'))
      await expect(stays).rejects.toThrow('the upload was cancelled')
      await expect(given).rejects.toThrow('gave up')
      const before = new AbortController()
      before.abort(new Error('already'))
      await expect(batcher.create(item(), { signal: before.signal })).rejects.toThrow('already')
      expect(sent).toEqual([])
      release()
      expect((await created).id).toBe(policyIdOfClaim(first.claim))
      expect((await goes).id).toBe(policyIdOfClaim(late.claim))
      // The batch already sent is the server's to finish; the creation taken out of the queue
      // was never sent, and nothing of it exists.
      expect(sent).toEqual(['POST /v1/policies/batch', 'POST /v1/policies'])
      const missing = await admin.getPolicy(policyIdOfClaim(queued.claim)).catch((e: unknown) => e)
      expect(missing).toMatchObject({ code: 'ERR_NOT_FOUND' })
      // An upload's signal reaches its policy's creation (EncryptedUpload passes it on).
      const pending = await new LatchClient(client).createDeferredWriter()
      const stopped = new AbortController()
      stopped.abort(new Error('stopped'))
      const register = pending.register({ bucket: 'b', key: 'k' }, { signal: stopped.signal })
      await expect(register).rejects.toThrow('stopped')
      const none = await admin.getPolicy(pending.policyId).catch((e: unknown) => e)
      expect(none).toMatchObject({ code: 'ERR_NOT_FOUND' })
    })

    it('answers a malformed or oversize batch 400 with a stable code, never a 5xx, and records nothing', async () => {
      const { client } = await counted('owner@example.com')
      const item = {
        claim: randomBytes(32).toString('base64url'),
        object: { objectId: 'A'.repeat(22), coreHash: 'B'.repeat(43) },
      }
      const before = await auditSize()
      const bodies: unknown[] = [
        {},
        { requests: [] },
        { requests: 'x' },
        { requests: [{ claim: item.claim }] }, // the unclaimed form is not a batch item
        { requests: [{ object: item.object }] },
        { requests: [item, { ...item, claim: 'short' }] },
        { requests: Array.from({ length: BATCH_MAX + 1 }, () => item) },
      ]
      for (const body of bodies) {
        const error = await client.request('POST', '/v1/policies/batch', body).then(
          () => expect.fail(`accepted ${JSON.stringify(body).slice(0, 80)}`),
          (e: unknown) => e as KeyServerError,
        )
        expect(error).toBeInstanceOf(KeyServerError)
        expect([error.status, error.code]).toEqual([400, 'ERR_REQUEST_INVALID'])
      }
      expect(await auditSize()).toBe(before)
    })

    it('fails closed per item: one whose records cannot be committed is not created and is told 503; the others are', async () => {
      const { client } = await counted('owner@example.com')
      const claims = [claim(), claim(), claim()]
      const ids = claims.map((c) => policyIdOfClaim(c))
      await harness().sabotage([ids[1] as string])
      try {
        const before = await auditSize()
        const { results } = await client.createPolicies(
          claims.map((c) => ({ claim: c, object: object() })),
        )
        expect(results.map((r) => ('error' in r ? r.error.code : r.policy.id))).toEqual([
          ids[0],
          'ERR_AUDIT_UNAVAILABLE',
          ids[2],
        ])
        expect(JSON.stringify(results[1])).not.toContain('disk full')
        expect(await auditSize()).toBe(before + 4)
        const missing = await client.getPolicy(ids[1] as string).catch((e: unknown) => e)
        expect(missing).toMatchObject({ code: 'ERR_NOT_FOUND' })
      } finally {
        await harness().repair()
      }
      // Through LatchClient: the refused object's write fails with 503, its neighbours' succeed.
      const latch = new LatchClient(client)
      await latch.keyResolver()
      const writers = await Promise.all(
        Array.from({ length: 3 }, () => latch.createDeferredWriter()),
      )
      await harness().sabotage([writers[0]?.policyId as string])
      try {
        const outcomes = await Promise.allSettled(
          writers.map((w, i) => {
            encryptBuffer(w.writer, data(i))
            return w.register({ bucket: 'b', key: w.policyId })
          }),
        )
        expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled'])
        const refused = (outcomes[0] as PromiseRejectedResult).reason as KeyServerError
        expect(refused).toBeInstanceOf(KeyServerError)
        expect([refused.status, refused.code]).toEqual([503, 'ERR_AUDIT_UNAVAILABLE'])
        // Nothing created at all: the whole answer is the 503.
        const none = [claim(), claim()]
        await harness().sabotage(none.map((c) => policyIdOfClaim(c)))
        const whole = await client
          .request('POST', '/v1/policies/batch', {
            requests: none.map((c) => ({ claim: c, object: object() })),
          })
          .then(
            () => expect.fail('answered 2xx'),
            (e: unknown) => e as KeyServerError,
          )
        expect([whole.status, whole.code]).toEqual([503, 'ERR_AUDIT_UNAVAILABLE'])
      } finally {
        await harness().repair()
      }
      expect((await verifyStore(harness().server.services.store)).ok).toBe(true)
    })
  })
}
