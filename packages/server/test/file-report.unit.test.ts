import type { AuditRow } from '@latch/audit'
import { AUDIT_TIME_TOLERANCE_MS, buildFileReport } from '@latch/audit'
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('the per-file report', () => {
  it('lists the window’s requests and changes of one file on a verified stretch, and proves nothing over an edited one', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const bob = t.client(await t.user('bob@example.com'))
    const policy = await owner.createPolicy({ readers: ['bob@example.com'] })
    const other = await owner.createPolicy({ readers: ['bob@example.com'] })
    const kasId = (await owner.keys()).kasId
    const read = async (who: typeof owner, id: string) => {
      const { object } = await encryptFor(owner, id, Buffer.from('x'))
      return decryptBuffer(object, keyServerResolver({ [kasId]: who })).then(
        () => 'ok',
        (e: KeyServerError) => e.code,
      )
    }
    expect(await read(bob, policy.id)).toBe('ok') // before the window
    await t.services.checkpointer.sign()
    await sleep(5) // the window starts after the last checkpoint timed before it
    const since = new Date()
    await owner.revokePolicy(policy.id, 'incident')
    expect(await read(bob, policy.id)).toBe('ERR_ACCESS_DENIED')
    expect(await read(owner, policy.id)).toBe('ERR_ACCESS_DENIED')
    expect(await read(bob, other.id)).toBe('ok') // another file
    const until = new Date()
    await sleep(AUDIT_TIME_TOLERANCE_MS + 50)
    await t.services.checkpointer.sign()
    expect(await read(bob, policy.id)).toBe('ERR_ACCESS_DENIED') // after the window

    const store = t.services.store
    const notes = (await store.listCheckpoints()).map((c) => c.note)
    const input = (edit?: (row: AuditRow) => AuditRow) => ({
      policyId: policy.id,
      since,
      until,
      origin: store.auditOrigin,
      key: t.services.keys.checkpointKey,
      notes,
      async *rows(after: number, upTo: number) {
        for (const row of await store.readAudit(after, upTo - after)) yield edit?.(row) ?? row
      },
    })
    const report = await buildFileReport(input())
    expect(report.verification.ok).toBe(true)
    expect(report.from.size).toBeGreaterThan(0) // starts at a checkpoint, not the log's start
    expect(report.events.map((e) => e.type)).toEqual([
      'policy.revoke',
      'key.release.denied',
      'key.release.denied',
    ])
    expect(report).toMatchObject({ releases: 0, denials: 2, denialReasons: { revoked: 2 } })
    expect(report.policyChanges).toBe(1)

    const denied = report.events[1]?.seq as number
    const edited = await buildFileReport(
      input((row) =>
        row.seq === denied
          ? {
              ...row,
              recordBytes: Buffer.from(
                Buffer.from(row.recordBytes).toString().replace('deny', 'permit'),
              ),
            }
          : row,
      ),
    )
    expect(edited.verification.ok).toBe(false)
    expect(edited.verification.firstBad?.seq).toBe(denied)

    await expect(
      buildFileReport({ ...input(), until: new Date(Date.now() + 60_000) }),
    ).rejects.toThrow(/no checkpoint signed/)
  })
})
