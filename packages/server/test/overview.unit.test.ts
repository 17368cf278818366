import { type KeyServerClient, type KeyServerError, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import type { OverviewView } from '@latch/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SERVER_VERSION } from '../src/server-version.js'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// GET /v1/overview: one answer per role, and never an audit record a caller may not read.

let t: TestApp
let alice: KeyServerClient
let carol: KeyServerClient
const tokens: Record<string, string> = {}
const ids = {} as Record<'a1' | 'a2' | 'soon' | 'c1', string>

async function read(who: KeyServerClient, policyId: string): Promise<string> {
  const { object } = await encryptFor(alice, policyId, Buffer.from('x'))
  const kasId = (await alice.keys()).kasId
  return decryptBuffer(object, keyServerResolver({ [kasId]: who })).then(
    () => 'ok',
    (e: KeyServerError) => e.code,
  )
}

beforeAll(async () => {
  t = await buildTestApp()
  for (const who of ['alice', 'bob', 'carol', 'mallory']) {
    tokens[who] = await t.user(`${who}@example.com`)
  }
  alice = t.client(tokens.alice)
  carol = t.client(tokens.carol)
  ids.a1 = (await alice.createPolicy({ readers: ['bob@example.com'] })).id
  ids.a2 = (await alice.createPolicy({})).id
  ids.soon = (await alice.createPolicy({ expiresAt: new Date(Date.now() + 1500).toISOString() })).id
  ids.c1 = (await carol.createPolicy({ readers: ['alice@example.com'] })).id
  await alice.revokePolicy(ids.a2, 'lost laptop')
  await carol.changeReaders(ids.c1, { add: ['bob@example.com'] })
  expect(await read(t.client(tokens.bob), ids.a1)).toBe('ok')
  expect(await read(t.client(tokens.mallory), ids.a1)).toBe('ERR_ACCESS_DENIED')
  expect(await read(t.client(tokens.mallory), ids.c1)).toBe('ERR_ACCESS_DENIED')
  await t.client(t.adminToken).lockdown({ bucket: 'leaky', reason: 'exposed bucket' })
  await new Promise((resolve) => setTimeout(resolve, 1600))
})
afterAll(async () => {
  await t.close()
})

async function overview(token: string): Promise<OverviewView> {
  const answer = await t.app.inject({
    url: '/v1/overview',
    headers: { authorization: `Bearer ${token}` },
  })
  expect(answer.statusCode).toBe(200)
  return answer.json() as OverviewView
}

describe('GET /v1/overview', () => {
  it('shows an admin every policy by state, the lockdowns, the latest denials and changes', async () => {
    const o = await overview(t.adminToken)
    expect(o.scope).toBe('all')
    expect(o.server).toMatchObject({
      version: SERVER_VERSION,
      database: { kind: 'sqlite', ok: true },
    })
    expect(Math.abs(Date.parse(o.server.time) - Date.now())).toBeLessThan(10_000)
    expect(o.files).toEqual({ total: 4, active: 2, revoked: 1, expired: 1 })
    expect(o.lockdowns).toEqual({ active: 1 })
    expect(o.recentDenials.map((e) => [e.type, e.policy_id, e.actor.email])).toEqual([
      ['key.release.denied', ids.c1, 'mallory@example.com'],
      ['key.release.denied', ids.a1, 'mallory@example.com'],
    ])
    expect(o.recentChanges.map((e) => [e.type, e.policy_id])).toEqual([
      ['policy.share', ids.c1],
      ['policy.revoke', ids.a2],
      ['policy.create', ids.c1],
      ['policy.create', ids.soon],
      ['policy.create', ids.a2],
      ['policy.create', ids.a1],
    ])
    const head = await t.services.store.auditHead()
    expect(o.chain).toEqual({
      headSeq: head.size,
      lastCheckpoint: null,
      unsignedTail: head.size,
    })
  })

  it('shows an owner the policies they own or read, and the changes of their own only', async () => {
    const o = await overview(tokens.alice as string)
    expect(o.scope).toBe('mine')
    expect(o.files).toEqual({ total: 4, active: 2, revoked: 1, expired: 1 })
    expect(o.lockdowns).toBeNull()
    expect(o.recentDenials).toEqual([])
    expect(o.recentChanges.map((e) => [e.type, e.policy_id])).toEqual([
      ['policy.revoke', ids.a2],
      ['policy.create', ids.soon],
      ['policy.create', ids.a2],
      ['policy.create', ids.a1],
    ])
    const c = await overview(tokens.carol as string)
    expect(c.files).toEqual({ total: 1, active: 1, revoked: 0, expired: 0 })
    expect(c.recentChanges.map((e) => e.policy_id)).toEqual([ids.c1, ids.c1])
  })

  it('shows a reader their files and no audit record; someone with no file, zeros', async () => {
    const bob = await overview(tokens.bob as string)
    expect(bob.files).toEqual({ total: 2, active: 2, revoked: 0, expired: 0 })
    expect(bob.recentChanges).toEqual([])
    expect(bob.recentDenials).toEqual([])
    expect(bob.lockdowns).toBeNull()
    const mallory = await overview(tokens.mallory as string)
    expect(mallory).toMatchObject({
      scope: 'mine',
      files: { total: 0, active: 0, revoked: 0, expired: 0 },
      recentChanges: [],
      recentDenials: [],
      lockdowns: null,
    })
  })

  it('says how much of the chain a checkpoint signs, and keeps ten records a list', async () => {
    await t.services.checkpointer.sign()
    for (let i = 0; i < 12; i++) await carol.changeReaders(ids.c1, { add: [`r${i}@example.com`] })
    const o = await overview(t.adminToken)
    const head = await t.services.store.auditHead()
    expect(o.chain.headSeq).toBe(head.size)
    expect(o.chain.lastCheckpoint?.seq).toBe(head.signedSize)
    expect(o.chain.unsignedTail).toBe(12)
    expect(o.recentChanges).toHaveLength(10)
    const seqs = o.recentChanges.map((e) => e.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a))
    expect(seqs[0]).toBe(head.size)
    expect((await t.app.inject('/v1/overview')).statusCode).toBe(401)
  })
})
