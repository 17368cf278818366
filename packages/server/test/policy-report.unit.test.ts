import { AUDIT_TIME_TOLERANCE_MS } from '@latch/audit'
import { type KeyServerClient, type KeyServerError, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import type { FileReportView } from '@latch/protocol'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// GET /v1/policies/:id/report: the report `latch audit report` prints, verified by the server;
// for admins and the owner only, and flagged rather than waited for while no checkpoint follows.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let t: TestApp
let owner: KeyServerClient
let bob: KeyServerClient
const tokens: Record<string, string> = {}
let policyId: string
let since: string
let until: string

async function read(who: KeyServerClient, id: string): Promise<string> {
  const { object } = await encryptFor(owner, id, Buffer.from('x'))
  const kasId = (await owner.keys()).kasId
  return decryptBuffer(object, keyServerResolver({ [kasId]: who })).then(
    () => 'ok',
    (e: KeyServerError) => e.code,
  )
}

async function report(token: string, id: string, query = '') {
  const answer = await t.app.inject({
    url: `/v1/policies/${id}/report${query === '' ? '' : `?${query}`}`,
    headers: { authorization: `Bearer ${token}` },
  })
  return { status: answer.statusCode, body: answer.json() as FileReportView & { code?: string } }
}

beforeAll(async () => {
  t = await buildTestApp()
  for (const who of ['owner', 'bob', 'mallory']) tokens[who] = await t.user(`${who}@example.com`)
  tokens.minted = await t.user('minted@example.com', { mintedBy: 'admin@test.local' })
  owner = t.client(tokens.owner)
  bob = t.client(tokens.bob)
  policyId = (await owner.createPolicy({ readers: ['bob@example.com', 'minted@example.com'] })).id
  const other = await owner.createPolicy({ readers: ['bob@example.com'] })
  expect(await read(bob, policyId)).toBe('ok') // before the window
  await t.services.checkpointer.sign()
  await sleep(5)
  since = new Date().toISOString()
  expect(await read(bob, policyId)).toBe('ok')
  expect(await read(t.client(tokens.minted), policyId)).toBe('ok')
  expect(await read(t.client(tokens.mallory), policyId)).toBe('ERR_ACCESS_DENIED')
  expect(await read(bob, other.id)).toBe('ok') // another file
  await owner.changeReaders(policyId, { remove: ['minted@example.com'] })
  until = new Date().toISOString()
})
afterAll(async () => {
  await t.close()
})

describe('GET /v1/policies/:id/report', () => {
  it('answers 404 to those who may not see the policy, exactly as for no policy, and 403 to its readers', async () => {
    const hidden = await report(tokens.mallory as string, policyId)
    const missing = await report(tokens.mallory as string, 'p-nothing-here')
    expect(hidden.status).toBe(404)
    expect(missing.status).toBe(404)
    const shape = (body: object, id: string) =>
      JSON.stringify({ ...body, requestId: 'x' }).replace(id, 'ID')
    expect(shape(hidden.body, policyId)).toBe(shape(missing.body, 'p-nothing-here'))
    expect((await report(tokens.bob as string, policyId)).status).toBe(403)
    expect((await report(tokens.bob as string, policyId)).body.code).toBe('ERR_ACCESS_FORBIDDEN')
  })

  it('flags the unsigned tail while no checkpoint follows the window, and concludes provisionally', async () => {
    const { status, body } = await report(
      tokens.owner as string,
      policyId,
      `since=${since}&until=${until}`,
    )
    expect(status).toBe(200)
    expect(body.chain).toMatchObject({ verified: true, unsignedTail: true, to: null })
    expect(body.chain.from.signedAt).not.toBeNull()
    expect(body.chain.lastSeq).toBe((await t.services.store.auditHead()).size)
    expect(body.releases).toMatchObject({
      count: 2,
      byRecipient: { 'bob@example.com': 1, 'minted@example.com': 1 },
      foreignToken: [
        { recipient: 'minted@example.com', mintedBy: 'admin@test.local', releases: 1 },
      ],
    })
    expect(body.denials).toEqual({ count: 1, byReason: { not_reader: 1 } })
    expect(body.changes).toEqual({ count: 1 })
    expect(body.conclusion.verdict).toBe('released-foreign-token')
    expect(body.conclusion.text).toMatch(/^Conclusion: .*Provisional: no checkpoint/)
    expect(body.events.map((e) => e.type)).toEqual([
      'key.release',
      'key.release',
      'key.release.denied',
      'policy.unshare',
    ])
    for (const event of body.events) expect(Object.keys(event)).toEqual(Object.keys(event).sort())
  })

  it('verifies the stretch between the two checkpoints once one follows the window', async () => {
    await sleep(AUDIT_TIME_TOLERANCE_MS + 50)
    await t.services.checkpointer.sign()
    const { body } = await report(t.adminToken, policyId, `since=${since}&until=${until}`)
    expect(body.chain).toMatchObject({ verified: true, unsignedTail: false, problems: [] })
    expect(body.chain.to?.size).toBe(body.chain.lastSeq)
    expect(Date.parse(body.chain.to?.signedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(until) + AUDIT_TIME_TOLERANCE_MS,
    )
    expect(body.window).toEqual({ since, until })
    expect(body.conclusion.text).not.toMatch(/Provisional/)
    expect(body.releases.count).toBe(2)
    // Before the window: nothing of this window; the whole log: the release before it too.
    const whole = await report(t.adminToken, policyId)
    expect(whole.body.releases.count).toBe(3)
    expect(whole.body.chain.from).toEqual({ size: 0, signedAt: null })
  })

  it('says TAMPERED when a record in the stretch was edited', async () => {
    const db = new Database(t.dbFile)
    try {
      db.exec('DROP TRIGGER audit_log_no_update')
      const seq = (await t.services.store.auditHead()).size - 2
      db.prepare(
        'UPDATE audit_log SET record = CAST(replace(CAST(record AS TEXT), ?, ?) AS BLOB) WHERE seq = ?',
      ).run('example.com', 'exampl3.com', seq)
    } finally {
      db.close()
    }
    const { body } = await report(t.adminToken, policyId, `since=${since}&until=${until}`)
    expect(body.chain.verified).toBe(false)
    expect(body.conclusion.verdict).toBe('tampered')
    expect(body.chain.problems.length).toBeGreaterThan(0)
  })

  it('refuses a window that ends before it starts, or a time that does not exist, with 400', async () => {
    for (const query of [
      `since=${until}&until=${since}`,
      'since=2030-01-01T00:00:00Z',
      'until=2030-02-30T00:00:00Z',
      'since=yesterday',
    ]) {
      const { status, body } = await report(t.adminToken, policyId, query)
      expect(status, query).toBe(400)
      expect(body.code).toBe('ERR_REQUEST_INVALID')
    }
  })
})
