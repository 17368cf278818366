import { KeyServerError, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// No audit, no key.

let t: TestApp
afterEach(async () => {
  await t.close()
})

async function setup(config = {}) {
  t = await buildTestApp(config)
  const owner = t.client(await t.user('owner@example.com'))
  const policy = await owner.createPolicy({})
  const { object } = await encryptFor(owner, policy.id, Buffer.from('secret'))
  const resolver = keyServerResolver({ [(await owner.keys()).kasId]: owner })
  return { object, resolver }
}

async function failure(promise: Promise<unknown>): Promise<KeyServerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KeyServerError)
  return error as KeyServerError
}

describe('fail closed', () => {
  it('releases no key while the audit record cannot be written, and resumes after', async () => {
    const { object, resolver } = await setup()
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('secret')
    // Another process breaks audit writes (the SQLite analogue of REVOKE INSERT).
    const saboteur = new Database(t.dbFile)
    saboteur.exec(
      `CREATE TRIGGER sabotage BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    )
    const before = await t.services.store.auditHead()
    const releasesBefore = await t.app.metrics.decisions.get()
    for (let i = 0; i < 20; i++) {
      const error = await failure(decryptBuffer(object, resolver))
      expect(error.status).toBe(503)
      expect(error.code).toBe('ERR_AUDIT_UNAVAILABLE')
      expect(error.message).not.toContain('disk full')
    }
    expect((await t.services.store.auditHead()).size).toBe(before.size)
    const permits = (m: Awaited<typeof releasesBefore>) =>
      m.values.find((v) => v.labels.outcome === 'permit')?.value ?? 0
    expect(permits(await t.app.metrics.decisions.get())).toBe(permits(releasesBefore))
    saboteur.exec('DROP TRIGGER sabotage')
    saboteur.close()
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('secret')
  })

  it('stops releasing keys when the unsigned tail passes its bound, until a checkpoint is signed', async () => {
    const { object, resolver } = await setup({
      maxUnsignedRecords: 12,
      checkpointRecords: 1_000_000,
    })
    await t.services.checkpointer.sign()
    const signed = (await t.services.store.auditHead()).size
    let released = 0
    let refused: KeyServerError | undefined
    for (let i = 0; i < 20 && refused === undefined; i++) {
      try {
        await decryptBuffer(object, resolver)
        released++
      } catch (error) {
        refused = error as KeyServerError
      }
    }
    expect(released).toBe(12)
    expect(refused?.status).toBe(503)
    expect((await t.services.store.auditHead()).size).toBe(signed + 12)
    await t.services.checkpointer.sign()
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('secret')
  })

  it('stops releasing keys when the oldest unsigned record is older than the bound', async () => {
    // A loaded machine can take longer than a short bound over the set-up's own appends (building
    // the app alone took over 300 ms with four test files at once on 2 cores): a 2 s bound, and
    // a checkpoint after each step keeps the tail short until the test starts the clock.
    t = await buildTestApp({ maxUnsignedAgeMs: 2000, checkpointRecords: 1_000_000 })
    const sign = () => t.services.checkpointer.sign()
    await sign()
    const owner = t.client(await t.user('owner@example.com'))
    await sign()
    const policy = await owner.createPolicy({})
    await sign()
    const { object } = await encryptFor(owner, policy.id, Buffer.from('secret'))
    const resolver = keyServerResolver({ [(await owner.keys()).kasId]: owner })
    await sign()
    await decryptBuffer(object, resolver)
    await new Promise((r) => setTimeout(r, 2100))
    expect((await failure(decryptBuffer(object, resolver))).code).toBe('ERR_AUDIT_UNAVAILABLE')
    await t.services.checkpointer.sign()
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('secret')
  })
})
