import { KeyServerError, keyServerResolver } from '@latch/client'
import {
  decryptBuffer,
  generateX25519KeyPair,
  type Header,
  openShare,
  shareBindingOf,
} from '@latch/format'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// In a batch, one item's failure must not cost the others their results. Items
// decided before an audit failure have committed permits: their shares are delivered.

let t: TestApp
afterEach(async () => {
  await t.close()
})

const coreOf = (h: Header) => Buffer.from(h.coreBytes).toString('base64url')
const objectIdOf = (h: Header) => Buffer.from(h.core.objectId).toString('base64url')

async function setup(objects: number) {
  t = await buildTestApp()
  const token = await t.user('owner@example.com')
  const owner = t.client(token)
  const policy = await owner.createPolicy({})
  const encrypted = []
  for (let i = 0; i < objects; i++) {
    encrypted.push(await encryptFor(owner, policy.id, Buffer.from(`file ${i}`)))
  }
  const pair = generateX25519KeyPair()
  const clientKey = { kty: 'OKP', crv: 'X25519', x: pair.publicKey.export({ format: 'jwk' }).x }
  return { token, owner, encrypted, pair, clientKey }
}

async function recordsAfter(seq: number) {
  const rows = await t.services.store.readAudit(seq, 1000)
  return rows.map((row) => JSON.parse(Buffer.from(row.recordBytes).toString()))
}

function sabotageAuditAfter(seq: number): Database.Database {
  // Another process makes audit inserts fail from the given position on (disk full).
  const saboteur = new Database(t.dbFile)
  saboteur.exec(
    `CREATE TRIGGER sabotage BEFORE INSERT ON audit_log WHEN NEW.seq > ${seq}
     BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
  )
  return saboteur
}

describe('batch items are isolated', () => {
  it('decides and records every well-formed item once when the 3rd of 5 is malformed', async () => {
    const { token, encrypted, pair, clientKey } = await setup(4)
    // Item 4 is another owner's file: a denial, recorded like any decision.
    const stranger = t.client(await t.user('stranger@example.com'))
    const theirs = await encryptFor(
      stranger,
      (await stranger.createPolicy({})).id,
      Buffer.from('x'),
    )
    const [a, b, c, d] = encrypted.map((e) => e.header) as Header[]
    const items = [a, b, c, theirs.header, d] as Header[]
    const requests = items.map((h) => ({ core: coreOf(h), jwe: h.entries[0]?.jwe as string }))
    requests[2] = { core: coreOf(c as Header), jwe: 'a.b.c.d.e' }
    const head = (await t.services.store.auditHead()).size

    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/rewrap/batch',
      headers: { authorization: `Bearer ${token}` },
      payload: { clientKey, requests },
    })
    expect(response.statusCode).toBe(200)
    const { results } = response.json()
    expect(results).toHaveLength(5)
    for (const i of [0, 1, 4]) {
      const h = items[i] as Header
      const share = openShare(results[i].jwe, pair.privateKey, shareBindingOf(h.coreBytes, 1, 1))
      expect(share).toHaveLength(32)
    }
    expect(results[2].error).toMatchObject({
      code: 'ERR_REQUEST_INVALID',
      requestId: response.headers['x-request-id'],
    })
    expect(results[3].error).toEqual({
      code: 'ERR_ACCESS_DENIED',
      message: 'access denied',
      requestId: response.headers['x-request-id'],
    })
    // Each server-side ephemeral key is used once.
    const epks = [0, 1, 4].map(
      (i) => JSON.parse(Buffer.from(results[i].jwe.split('.')[0], 'base64url').toString()).epk.x,
    )
    expect(new Set(epks).size).toBe(3)

    const records = await recordsAfter(head)
    expect(records.map((r) => [r.type, r.object_id])).toEqual([
      ['key.release', objectIdOf(a as Header)],
      ['key.release', objectIdOf(b as Header)],
      ['key.release.denied', objectIdOf(theirs.header)],
      ['key.release', objectIdOf(d as Header)],
    ])
  })

  it('delivers the items decided before an audit failure and answers 503 items for the rest', async () => {
    const { token, encrypted, pair, clientKey } = await setup(5)
    const headers = encrypted.map((e) => e.header)
    const head = (await t.services.store.auditHead()).size
    const saboteur = sabotageAuditAfter(head + 2)
    try {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/rewrap/batch',
        headers: { authorization: `Bearer ${token}` },
        payload: {
          clientKey,
          requests: headers.map((h) => ({ core: coreOf(h), jwe: h.entries[0]?.jwe as string })),
        },
      })
      expect(response.statusCode).toBe(200)
      const { results } = response.json()
      for (const i of [0, 1]) {
        const h = headers[i] as Header
        expect(
          openShare(results[i].jwe, pair.privateKey, shareBindingOf(h.coreBytes, 1, 1)),
        ).toHaveLength(32)
      }
      for (const i of [2, 3, 4]) {
        expect(results[i]).toEqual({
          error: {
            code: 'ERR_AUDIT_UNAVAILABLE',
            message: 'the audit log cannot record this request; no key was released',
            requestId: response.headers['x-request-id'],
          },
        })
      }
      // A record for every delivered key, and no record without one.
      const records = await recordsAfter(head)
      expect(records.map((r) => [r.type, r.object_id])).toEqual([
        ['key.release', objectIdOf(headers[0] as Header)],
        ['key.release', objectIdOf(headers[1] as Header)],
      ])
    } finally {
      saboteur.exec('DROP TRIGGER sabotage')
      saboteur.close()
    }
  })

  it('answers the whole batch 503 when the audit fails before any item was decided', async () => {
    const { token, encrypted, clientKey } = await setup(3)
    const head = (await t.services.store.auditHead()).size
    const saboteur = sabotageAuditAfter(head)
    try {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/rewrap/batch',
        headers: { authorization: `Bearer ${token}` },
        payload: {
          clientKey,
          requests: [
            { core: coreOf(encrypted[0]?.header as Header), jwe: 'not-a-jwe' },
            ...encrypted.map((e) => ({
              core: coreOf(e.header),
              jwe: e.header.entries[0]?.jwe as string,
            })),
          ],
        },
      })
      expect(response.statusCode).toBe(503)
      expect(response.json()).toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE' })
      expect((await t.services.store.auditHead()).size).toBe(head)
    } finally {
      saboteur.exec('DROP TRIGGER sabotage')
      saboteur.close()
    }
  })

  it('surfaces a per-item 503 to @latch/client as unavailable (status 503), not as a denial', async () => {
    const { owner, encrypted } = await setup(5)
    const resolver = keyServerResolver({ [(await owner.keys()).kasId]: owner })
    const head = (await t.services.store.auditHead()).size
    const saboteur = sabotageAuditAfter(head + 2)
    try {
      // Read at once, the five key requests travel in one batch.
      const settled = await Promise.allSettled(
        encrypted.map((e) => decryptBuffer(e.object, resolver)),
      )
      const read = settled.flatMap((s) =>
        s.status === 'fulfilled' ? [Buffer.from(s.value).toString()] : [],
      )
      const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []))
      expect(read).toHaveLength(2)
      expect(failed).toHaveLength(3)
      for (const error of failed) {
        expect(error).toBeInstanceOf(KeyServerError)
        expect(error).toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE', status: 503 })
      }
      const records = await recordsAfter(head)
      expect(records).toHaveLength(2)
      const released = new Set(records.map((r) => r.object_id))
      encrypted.forEach((e, i) => {
        const delivered = settled[i]?.status === 'fulfilled'
        expect(released.has(objectIdOf(e.header))).toBe(delivered)
        if (delivered) expect(read).toContain(`file ${i}`)
      })
    } finally {
      saboteur.exec('DROP TRIGGER sabotage')
      saboteur.close()
    }
  })
})
