import type { AuditEventPage } from '@latch/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// GET /v1/audit/events?order=desc&before=: newest first, page by page, with the same scoping as
// oldest first.

let t: TestApp
let ownerToken: string
let readerToken: string
let policyId: string

beforeAll(async () => {
  t = await buildTestApp()
  ownerToken = await t.user('owner@example.com')
  readerToken = await t.user('reader@example.com')
  const owner = t.client(ownerToken)
  policyId = (await owner.createPolicy({ readers: ['reader@example.com'] })).id
  for (let i = 0; i < 5; i++) await owner.changeReaders(policyId, { add: [`r${i}@example.com`] })
})
afterAll(async () => {
  await t.close()
})

async function events(query: string, token = t.adminToken) {
  const answer = await t.app.inject({
    url: `/v1/audit/events?${query}`,
    headers: { authorization: `Bearer ${token}` },
  })
  return { status: answer.statusCode, body: answer.json() as AuditEventPage & { code?: string } }
}

describe('GET /v1/audit/events, newest first', () => {
  it('pages back from the head with before=, next being the before of the next page', async () => {
    const head = (await t.services.store.auditHead()).size
    const all = (await events('order=desc&limit=1000')).body.events.map((e) => e.seq)
    expect(all).toEqual(Array.from({ length: head }, (_, i) => head - i))
    const seen: number[] = []
    let next: number | null = null
    do {
      const page: AuditEventPage = (
        await events(`order=desc&limit=3${next === null ? '' : `&before=${next}`}`)
      ).body
      seen.push(...page.events.map((e) => e.seq))
      next = page.next
    } while (next !== null)
    expect(seen).toEqual(all)
    expect((await events('order=desc&before=4&after=1')).body.events.map((e) => e.seq)).toEqual([
      3, 2,
    ])
    expect((await events('order=asc&before=4&after=1')).body.events.map((e) => e.seq)).toEqual([
      2, 3,
    ])
  })

  it('keeps the scoping: an owner reads their policy’s records newest first, a reader gets 403', async () => {
    const mine = await events(`policy=${policyId}&order=desc&limit=2`, ownerToken)
    expect(mine.status).toBe(200)
    expect(mine.body.events.map((e) => e.type)).toEqual(['policy.share', 'policy.share'])
    expect(mine.body.events.every((e) => e.policy_id === policyId)).toBe(true)
    expect((await events(`policy=${policyId}&order=desc`, readerToken)).status).toBe(403)
    expect((await events('order=desc', ownerToken)).status).toBe(403)
    for (const query of ['order=newest', 'before=0', 'before=-1', 'before=x']) {
      const { status, body } = await events(query)
      expect(status, query).toBe(400)
      expect(body.code).toBe('ERR_REQUEST_INVALID')
    }
  })
})
