import { Readable } from 'node:stream'
import { AUDIT_TIME_TOLERANCE_MS, readAuditExport, verifyAuditLog } from '@latch/audit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// GET /v1/audit/export: the file `latch audit export` writes, streamed; whole, or the stretch
// around a window; for admins only, whoever owns the policy named.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let t: TestApp
let ownerToken: string
let policyId: string

beforeAll(async () => {
  t = await buildTestApp()
  ownerToken = await t.user('owner@example.com')
  policyId = (await t.client(ownerToken).createPolicy({})).id
})
afterAll(async () => {
  await t.close()
})

async function download(query: string, token = t.adminToken) {
  return t.app.inject({
    url: `/v1/audit/export${query === '' ? '' : `?${query}`}`,
    headers: { authorization: `Bearer ${token}` },
  })
}

async function verified(body: string) {
  const exported = await readAuditExport(Readable.from([body]))
  const { header: _h, checkpoints: _c, ...input } = exported
  return {
    exported,
    report: await verifyAuditLog({ ...input, key: t.services.keys.checkpointKey }),
  }
}

describe('GET /v1/audit/export', () => {
  it('gives admins the whole log as an export file that verifies with the published key', async () => {
    await t.services.checkpointer.sign()
    await t.client(ownerToken).revokePolicy(policyId, 'after the checkpoint')
    const answer = await download('')
    expect(answer.statusCode).toBe(200)
    expect(answer.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
    expect(answer.headers['content-disposition']).toMatch(
      /^attachment; filename="latch-audit-log-0-\d+\.jsonl"$/,
    )
    const { exported, report } = await verified(answer.body)
    const head = await t.services.store.auditHead()
    expect(exported.headSize).toBe(head.size)
    expect(exported.from).toBeUndefined()
    expect(report).toMatchObject({ ok: true, records: head.size, firstSeq: 1 })
    expect(report.unsignedRecords).toBe(1)
  })

  it('gives the stretch around a window, from the checkpoint before it to the first one after', async () => {
    await t.services.checkpointer.sign()
    await sleep(5)
    const since = new Date().toISOString()
    await t.client(ownerToken).unrevokePolicy(policyId, 'found it')
    const until = new Date().toISOString()
    const unsigned = await download(`policy=${policyId}&since=${since}&until=${until}`)
    expect(unsigned.headers['content-disposition']).toContain(`latch-audit-${policyId}-`)
    const before = await verified(unsigned.body)
    const head = await t.services.store.auditHead()
    // No checkpoint follows the window yet: up to the head.
    expect(before.exported.from?.size).toBe(head.size - 1)
    expect(before.exported.headSize).toBe(head.size)
    expect(before.report).toMatchObject({ ok: true, records: 1, firstSeq: head.size })
    await sleep(AUDIT_TIME_TOLERANCE_MS + 50)
    await t.client(ownerToken).changeReaders(policyId, { add: ['late@example.com'] })
    await t.services.checkpointer.sign()
    await t.client(ownerToken).changeReaders(policyId, { add: ['later@example.com'] })
    const signed = await verified((await download(`since=${since}&until=${until}`)).body)
    expect(signed.exported.from?.size).toBe(head.size - 1)
    expect(signed.exported.headSize).toBe(head.size + 1)
    expect(signed.report).toMatchObject({ ok: true, records: 2, unsignedRecords: 0 })
  })

  it('is for admins only: 403 to anyone else, the owner of the policy named too; 404 for no policy', async () => {
    for (const query of [`policy=${policyId}`, '']) {
      const answer = await download(query, ownerToken)
      expect(answer.statusCode).toBe(403)
      expect(answer.json()).toMatchObject({ code: 'ERR_ACCESS_FORBIDDEN' })
    }
    const stranger = await t.user('stranger@example.com')
    expect((await download('policy=p-nothing', stranger)).json()).toMatchObject({
      code: 'ERR_ACCESS_FORBIDDEN',
    })
    expect((await download('policy=p-nothing')).statusCode).toBe(404)
    expect((await download('since=2030-13-01T00:00:00Z')).statusCode).toBe(400)
    expect((await t.app.inject('/v1/audit/export')).statusCode).toBe(401)
  })
})
