import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import {
  ClientError,
  KeyServerClient,
  KeyServerError,
  keyServerResolver,
  LatchClient,
} from '@latch/client'
import { decryptBuffer, encryptBuffer, parseHeader } from '@latch/format'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { policyIdOfClaim } from '../src/policy/policy-id-of-claim.js'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// Issue 16: one key-server round trip per put. The client encrypts under an id derived from a
// secret claim, stores the object, then creates the policy with the object registered.

let t: TestApp
beforeEach(async () => {
  t = await buildTestApp()
})
afterEach(async () => {
  await t.close()
})

const data = Buffer.from('customer file: Jane Doe, 1 Main St')

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => expect.fail('the request succeeded'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KeyServerError)
  return (error as KeyServerError).code
}

async function lastRecords(n: number): Promise<Record<string, unknown>[]> {
  const head = await t.services.store.auditHead()
  return (await t.services.store.readAudit(head.size - n, n)).map(
    (r) => JSON.parse(Buffer.from(r.recordBytes).toString('utf8')) as Record<string, unknown>,
  )
}

/** An object stored under a claimed id, as `LatchClient.createDeferredWriter` writes it. */
async function storedUnderClaim(token: string) {
  const latch = new LatchClient(t.client(token))
  const pending = await latch.createDeferredWriter({ readers: ['reader@example.com'] })
  const object = encryptBuffer(pending.writer, data)
  return { latch, pending, object, header: parseHeader(object) }
}

async function decryptAs(token: string, object: Uint8Array): Promise<Buffer> {
  const client = t.client(token)
  const { kasId } = await client.keys()
  return Buffer.from(await decryptBuffer(object, keyServerResolver({ [kasId]: client })))
}

describe('a policy created with a claim and its stored object (issue 16)', () => {
  it('is created under the claim’s id with the object registered, in one request, with the records of the two calls', async () => {
    const owner = await t.user('owner@example.com')
    const reader = await t.user('reader@example.com')
    const { pending, object, header } = await storedUnderClaim(owner)
    expect(header.core.policyId).toBe(pending.policyId)
    const before = (await t.services.store.auditHead()).size
    const registered = await pending.register({ bucket: 'forms', key: 'k/1' })
    const objectId = Buffer.from(header.core.objectId).toString('base64url')
    const coreHash = Buffer.from(header.coreHash).toString('base64url')
    expect(registered).toEqual({ policyId: pending.policyId, version: 2, objectId, coreHash })
    expect((await t.client(owner).getPolicy(pending.policyId)).objects).toMatchObject([
      { objectId, coreHash, bucket: 'forms', key: 'k/1' },
    ])
    expect((await t.services.store.auditHead()).size).toBe(before + 2)
    expect(await lastRecords(2)).toMatchObject([
      {
        type: 'policy.create',
        actor: { email: 'owner@example.com' },
        policy_id: pending.policyId,
        after: { owner: 'owner@example.com', readers: ['reader@example.com'] },
      },
      {
        type: 'policy.object.add',
        actor: { email: 'owner@example.com' },
        policy_id: pending.policyId,
        policy_version: 1,
        object_id: objectId,
        core_hash: coreHash,
        bucket: 'forms',
        key: 'k/1',
      },
    ])
    expect(await decryptAs(reader, object)).toEqual(data)
  })

  it('cannot be taken by anyone who reads the id in a stored header before it exists', async () => {
    const owner = await t.user('owner@example.com')
    const attacker = await t.user('attacker@example.com')
    const { pending, object, header } = await storedUnderClaim(owner)
    const id = header.core.policyId
    const thief = t.client(attacker)
    // No policy yet: nothing to register under, no key.
    expect(
      await codeOf(
        thief.addPolicyObject(id, { objectId: 'A'.repeat(22), coreHash: 'B'.repeat(43) }),
      ),
    ).toBe('ERR_NOT_FOUND')
    await expect(decryptAs(attacker, object)).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED' })
    // An id cannot be named, only claimed: a named one is dropped, a guessed claim gives another.
    const named = await t.app.inject({
      method: 'POST',
      url: '/v1/policies',
      headers: { authorization: `Bearer ${attacker}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ id, readers: ['attacker@example.com'] }),
    })
    expect(named.statusCode).toBe(201)
    expect((named.json() as { id: string }).id).not.toBe(id)
    const guessed = await thief.createPolicy({ claim: randomBytes(32).toString('base64url') })
    expect(guessed.id).not.toBe(id)
    await expect(decryptAs(attacker, object)).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED' })
    // The owner's registration still goes through, and the key goes to the owner only.
    await pending.register({ bucket: 'b', key: 'k' })
    await expect(decryptAs(attacker, object)).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED' })
    expect(await decryptAs(owner, object)).toEqual(data)
  })

  it('derives the id the client computed, and refuses a second creation under the same claim', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const claim = randomBytes(32).toString('base64url')
    const policy = await owner.createPolicy({ claim })
    expect(policy.id).toBe(policyIdOfClaim(claim))
    expect(policy.id).toMatch(/^p-[A-Za-z0-9_-]{22}$/)
    const size = (await t.services.store.auditHead()).size
    expect(await codeOf(owner.createPolicy({ claim, readers: ['x@example.com'] }))).toBe(
      'ERR_CONFLICT',
    )
    expect((await owner.getPolicy(policy.id)).readers).toEqual([])
    expect((await t.services.store.auditHead()).size).toBe(size)
  })

  it('never stores the claim: not in the policy, not in the audit log, not in the database file', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const claim = randomBytes(32).toString('base64url')
    const { header } = await encryptFor(owner, policyIdOfClaim(claim), data)
    await owner.createPolicy({
      claim,
      object: {
        objectId: Buffer.from(header.core.objectId).toString('base64url'),
        coreHash: Buffer.from(header.coreHash).toString('base64url'),
      },
    })
    const file = Buffer.concat(
      [t.dbFile, `${t.dbFile}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
    )
    expect(file.includes(Buffer.from(claim))).toBe(false)
    expect(file.includes(Buffer.from(claim, 'base64url'))).toBe(false)
    expect(JSON.stringify(await lastRecords(2))).not.toContain(claim)
  })

  it('refuses, creating nothing: an object without a claim, a bucket without a key, another owner when not allowed', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const objectId = 'A'.repeat(22)
    const coreHash = 'B'.repeat(43)
    const size = (await t.services.store.auditHead()).size
    expect(await codeOf(owner.createPolicy({ object: { objectId, coreHash } }))).toBe(
      'ERR_REQUEST_INVALID',
    )
    const claim = randomBytes(32).toString('base64url')
    expect(
      await codeOf(owner.createPolicy({ claim, object: { objectId, coreHash, bucket: 'b' } })),
    ).toBe('ERR_REQUEST_INVALID')
    expect(
      await codeOf(
        owner.createPolicy({ claim, owner: 'victim@example.com', object: { objectId, coreHash } }),
      ),
    ).toBe('ERR_ACCESS_FORBIDDEN')
    expect(await t.services.store.getPolicy(policyIdOfClaim(claim))).toBeUndefined()
    expect((await t.services.store.auditHead()).size).toBe(size)
  })

  it('lets an allowed service account create it for another owner and register the object, without seeing it', async () => {
    const service = await t.user('forms-app@example.com', { mayAssignOwner: true })
    const owner = await t.user('owner@example.com')
    const latch = new LatchClient(t.client(service))
    const pending = await latch.createDeferredWriter({ owner: 'owner@example.com' })
    const object = encryptBuffer(pending.writer, data)
    await pending.register({ bucket: 'forms', key: 'k/1' })
    expect(await lastRecords(2)).toMatchObject([
      {
        type: 'policy.create',
        actor: { email: 'forms-app@example.com' },
        after: { owner: 'owner@example.com' },
      },
      {
        type: 'policy.object.add',
        actor: { email: 'forms-app@example.com' },
        bucket: 'forms',
        key: 'k/1',
      },
    ])
    expect(await codeOf(t.client(service).getPolicy(pending.policyId))).toBe('ERR_NOT_FOUND')
    await expect(decryptAs(service, object)).rejects.toMatchObject({ code: 'ERR_ACCESS_DENIED' })
    expect(await decryptAs(owner, object)).toEqual(data)
  })

  it('is refused by the client when the server created the policy under another id (a server that drops claims)', async () => {
    const owner = await t.user('owner@example.com')
    // What a server without claims does: its schema drops the unknown members.
    const withoutClaims = (async (input: string | URL | Request, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body ?? 'null')) as Record<string, unknown> | null
      if (body !== null) {
        delete body.claim
        delete body.object
      }
      const answer = await t.app.inject({
        method: (init?.method ?? 'GET') as 'GET',
        url: new URL(String(input)).pathname,
        headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
        ...(body === null ? {} : { payload: JSON.stringify(body) }),
      })
      return new Response(answer.rawPayload, { status: answer.statusCode })
    }) as typeof fetch
    const latch = new LatchClient(
      new KeyServerClient({ server: 'http://latch.test', token: owner, fetch: withoutClaims }),
    )
    const pending = await latch.createDeferredWriter({})
    const error = await pending.register({ bucket: 'b', key: 'k' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ClientError)
    expect(error).toMatchObject({ code: 'ERR_CLIENT_RESPONSE_INVALID' })
  })
})
