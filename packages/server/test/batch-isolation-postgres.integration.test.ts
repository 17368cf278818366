import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient, KeyServerError, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import { createDatabase } from '@latch/testkit/postgres'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type RunningServer, startServer } from '../src/server.js'
import { encryptFor } from './helpers/encrypt-for.js'

// Batch isolation and bad-token floods on PostgreSQL: a batch whose audit inserts start failing
// halfway delivers what it recorded, and a bad-token flood appends one record at once and one
// counted record.

let dir: string
let server: RunningServer
let saboteur: pg.Client
let owner: KeyServerClient

beforeAll(async () => {
  const database = await createDatabase(inject('postgresUrl'))
  dir = mkdtempSync(join(tmpdir(), 'latch-pg-batch-'))
  server = await startServer({
    dataDir: dir,
    database,
    databaseTimeoutMs: 2_000,
    port: 0,
    logger: false,
    authFailureIntervalMs: 3_600_000,
    rateLimitAnonymousMax: 1_000_000,
  })
  const admin = new KeyServerClient({
    server: server.url,
    token: readFileSync(join(dir, 'admin.token'), 'utf8').trim(),
  })
  owner = new KeyServerClient({
    server: server.url,
    token: (await admin.createUser('owner@example.com')).token,
  })
  saboteur = new pg.Client({ connectionString: database })
  await saboteur.connect()
})

afterAll(async () => {
  await saboteur?.end()
  await server?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

async function recordsAfter(seq: number) {
  const rows = await server.services.store.readAudit(seq, 100_000)
  return rows.map((row) => JSON.parse(Buffer.from(row.recordBytes).toString()))
}

describe('batch isolation and bad-token floods on PostgreSQL', () => {
  it('delivers the batch items recorded before audit inserts failed; the rest are 503 items', async () => {
    const policy = await owner.createPolicy({})
    const objects = []
    for (let i = 0; i < 5; i++) {
      objects.push((await encryptFor(owner, policy.id, Buffer.from(`file ${i}`))).object)
    }
    const resolver = keyServerResolver({ [(await owner.keys()).kasId]: owner })
    const head = (await server.services.store.auditHead()).size
    await saboteur.query(`CREATE FUNCTION sabotage() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'disk full'; END $$`)
    await saboteur.query(
      `CREATE TRIGGER sabotage BEFORE INSERT ON audit_log FOR EACH ROW
       WHEN (NEW.seq > ${head + 2}) EXECUTE FUNCTION sabotage()`,
    )
    try {
      const settled = await Promise.allSettled(objects.map((o) => decryptBuffer(o, resolver)))
      const read = settled.filter((s) => s.status === 'fulfilled')
      const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []))
      expect(read).toHaveLength(2)
      expect(failed).toHaveLength(3)
      for (const error of failed) {
        expect(error).toBeInstanceOf(KeyServerError)
        expect(error).toMatchObject({ code: 'ERR_AUDIT_UNAVAILABLE', status: 503 })
      }
      const records = await recordsAfter(head)
      expect(records.map((r) => r.type)).toEqual(['key.release', 'key.release'])
    } finally {
      await saboteur.query('DROP TRIGGER sabotage ON audit_log')
    }
  })

  it('records a bad-token flood as one record at once and one counted record at close', async () => {
    const head = (await server.services.store.auditHead()).size
    for (let i = 0; i < 500; i++) {
      const response = await fetch(`${server.url}/v1/rewrap`, {
        method: 'POST',
        headers: { authorization: 'Bearer latch_nope', 'content-type': 'application/json' },
        body: '{}',
      })
      await response.arrayBuffer()
      expect(response.status).toBe(401)
    }
    expect(await recordsAfter(head)).toHaveLength(1)
    await server.app.close()
    const records = await recordsAfter(head)
    expect(records).toHaveLength(2)
    expect(records[1]).toMatchObject({ type: 'auth.failed', count: 500, source_ip: '127.0.0.1' })
  })
})
