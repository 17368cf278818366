import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AUDIT_TIME_TOLERANCE_MS, buildFileReport } from '@latch/audit'
import { type KeyServerClient, type KeyServerError, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { auditEvent } from '../src/audit/audit-event.js'
import { authenticate } from '../src/auth/authenticate.js'
import { bootstrapAdmin } from '../src/bootstrap-admin.js'
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

let t: TestApp
beforeEach(async () => {
  t = await buildTestApp()
})
afterEach(async () => {
  await t.close()
})

const ADMIN = 'admin@test.local'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

type Actor = { email: string; token_id?: string; minted_by?: string }
async function records(type: string): Promise<{ seq: number; actor: Actor }[]> {
  const rows = await t.services.store.readAudit(0, 10_000)
  return rows
    .map((r) => JSON.parse(Buffer.from(r.recordBytes).toString()))
    .filter((r) => r.type === type)
}

/** Decrypts a fresh object of `policyId` as `who`: 'ok' or the error code. */
async function read(owner: KeyServerClient, who: KeyServerClient, policyId: string) {
  const { object } = await encryptFor(owner, policyId, Buffer.from('secret'))
  const kasId = (await owner.keys()).kasId
  return decryptBuffer(object, keyServerResolver({ [kasId]: who })).then(
    () => 'ok',
    (e: KeyServerError) => e.code,
  )
}

describe('every key released with a token someone else minted names the minter', () => {
  it('an admin who mints a token for the owner and takes the key with it is named in the release record and flagged by the report', async () => {
    const owner = t.client(await t.user('owner@example.com'))
    const policy = await owner.createPolicy({})
    expect(await read(owner, owner, policy.id)).toBe('ok') // the owner, own token

    const admin = t.client(t.adminToken)
    const minted = await admin.mintToken('Owner@Example.com')
    expect(minted.email).toBe('owner@example.com')
    const asOwner = t.client(minted.token)
    expect(await asOwner.me()).toMatchObject({ email: 'owner@example.com', mintedBy: ADMIN })
    expect(await read(owner, asOwner, policy.id)).toBe('ok')

    const releases = await records('key.release')
    expect(releases).toHaveLength(2)
    expect(releases[0]?.actor).not.toHaveProperty('minted_by')
    expect(releases[1]?.actor).toMatchObject({
      email: 'owner@example.com',
      token_id: minted.tokenId,
      minted_by: ADMIN,
    })
    const created = await records('token.create')
    expect(created.at(-1)?.actor).toMatchObject({ email: ADMIN })
    expect((await admin.listTokens('owner@example.com')).tokens.map((k) => k.mintedBy)).toEqual([
      'owner@example.com',
      ADMIN,
    ])

    const until = new Date()
    await sleep(AUDIT_TIME_TOLERANCE_MS + 50)
    await t.services.checkpointer.sign()
    const store = t.services.store
    const report = await buildFileReport({
      policyId: policy.id,
      since: new Date(0),
      until,
      origin: store.auditOrigin,
      key: t.services.keys.checkpointKey,
      notes: (await store.listCheckpoints()).map((c) => c.note),
      async *rows(after, upTo) {
        for (const row of await store.readAudit(after, upTo - after)) yield row
      },
    })
    expect(report.verification.ok).toBe(true)
    expect(report.releases).toBe(2)
    expect(report.releasedTo).toEqual({ 'owner@example.com': 2 })
    expect(report.foreignTokenReleases).toEqual([
      {
        recipient: 'owner@example.com',
        mintedBy: ADMIN,
        releases: 1,
        seqs: [releases[1]?.seq],
      },
    ])
  })

  it('a user created by an admin acts under the admin’s name until they rotate; after rotation no record names a minter and the old token is dead', async () => {
    const admin = t.client(t.adminToken)
    const created = await admin.createUser('bob@example.com')
    const bobByAdmin = t.client(created.token)
    const policy = await bobByAdmin.createPolicy({})
    expect((await records('policy.create')).at(-1)?.actor).toMatchObject({
      email: 'bob@example.com',
      minted_by: ADMIN,
    })

    // latch token rotate: mint one for yourself with the current token, revoke the current one.
    const rotated = await bobByAdmin.mintToken()
    const bob = t.client(rotated.token)
    await bob.revokeToken(created.tokenId)
    expect((await records('token.revoke')).at(-1)?.actor).toEqual({
      email: 'bob@example.com',
      scheme: 'token',
      token_id: rotated.tokenId,
    })
    expect(await bob.me()).toMatchObject({ email: 'bob@example.com', mintedBy: null })
    await expect(bobByAdmin.me()).rejects.toMatchObject({ status: 401, code: 'ERR_AUTH_INVALID' })
    expect(await read(bob, bob, policy.id)).toBe('ok')
    expect((await records('key.release')).at(-1)?.actor).toEqual({
      email: 'bob@example.com',
      scheme: 'token',
      token_id: rotated.tokenId,
    })
  })

  it('the first admin’s token is minted by system, and its records say so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-bootstrap-'))
    const store = openSqliteStore({
      file: join(dir, 'latch.db'),
      tailBounds: { maxUnsignedRecords: 1000, maxUnsignedAgeMs: 60_000 },
    })
    const file = await bootstrapAdmin(store, dir)
    const [token] = await store.listTokens('admin@latch.local')
    expect(token?.mintedBy).toBe('system')
    const header = `Bearer ${readFileSync(file as string, 'utf8').trim()}`
    const identity = await authenticate(header, store, undefined)
    expect(auditEvent('key.rotate', identity, undefined).actor).toMatchObject({
      email: 'admin@latch.local',
      minted_by: 'system',
    })
    await store.close()
  })
})
