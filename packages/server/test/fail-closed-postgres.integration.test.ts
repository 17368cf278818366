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

// Fail closed on PostgreSQL: no audit, no key. Another connection sabotages the
// database the way an operator's mistake or a full disk would.

let dir: string
let server: RunningServer
let saboteur: pg.Client
let object: Uint8Array
let resolver: ReturnType<typeof keyServerResolver>

beforeAll(async () => {
  const database = await createDatabase(inject('postgresUrl'))
  dir = mkdtempSync(join(tmpdir(), 'latch-pg-fail-'))
  server = await startServer({
    dataDir: dir,
    database,
    databaseTimeoutMs: 500,
    port: 0,
    logger: false,
  })
  const admin = new KeyServerClient({
    server: server.url,
    token: readFileSync(join(dir, 'admin.token'), 'utf8').trim(),
  })
  const owner = new KeyServerClient({
    server: server.url,
    token: (await admin.createUser('owner@example.com')).token,
  })
  const policy = await owner.createPolicy({})
  object = (await encryptFor(owner, policy.id, Buffer.from('secret'))).object
  resolver = keyServerResolver({ [(await owner.keys()).kasId]: owner })
  saboteur = new pg.Client({ connectionString: database })
  await saboteur.connect()
})

afterAll(async () => {
  await saboteur?.end()
  await server?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
})

async function refusal(): Promise<KeyServerError> {
  const error = await decryptBuffer(object, resolver).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KeyServerError)
  return error as KeyServerError
}

describe('fail closed on PostgreSQL', () => {
  it('releases no key while audit records cannot be inserted, and resumes after', async () => {
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('secret')
    await saboteur.query(`CREATE FUNCTION sabotage() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'disk full'; END $$`)
    await saboteur.query(
      'CREATE TRIGGER sabotage BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION sabotage()',
    )
    const before = await server.services.store.auditHead()
    for (let i = 0; i < 10; i++) {
      const error = await refusal()
      expect(error.status).toBe(503)
      expect(error.code).toBe('ERR_AUDIT_UNAVAILABLE')
      expect(error.message).not.toContain('disk full')
    }
    expect((await server.services.store.auditHead()).size).toBe(before.size)
    await saboteur.query('DROP TRIGGER sabotage ON audit_log')
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('secret')
  })

  it('answers 503 and releases no key when a statement times out (the chain head held elsewhere), and resumes after', async () => {
    await saboteur.query('BEGIN')
    await saboteur.query('SELECT * FROM audit_head FOR UPDATE')
    const size = (await saboteur.query<{ size: string }>('SELECT size FROM audit_head')).rows[0]
      ?.size
    try {
      const started = performance.now()
      const error = await refusal()
      expect(error.status).toBe(503)
      // Within the timeout (500 ms), not whenever the lock is released.
      expect(performance.now() - started).toBeLessThan(5_000)
    } finally {
      await saboteur.query('COMMIT')
    }
    expect(String((await server.services.store.auditHead()).size)).toBe(size)
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('secret')
  })

  it('answers 400, not a 5xx, to text PostgreSQL cannot hold (a NUL character), and changes nothing', async () => {
    const admin = new KeyServerClient({
      server: server.url,
      token: readFileSync(join(dir, 'admin.token'), 'utf8').trim(),
    })
    const size = (await server.services.store.auditHead()).size
    const error = await admin.lockdown({ all: true, reason: 'incident\u0000 7' }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KeyServerError)
    expect((error as KeyServerError).status).toBe(400)
    expect((error as KeyServerError).code).toBe('ERR_REQUEST_INVALID')
    expect(await admin.lockdowns()).toEqual({ rules: [] })
    expect((await server.services.store.auditHead()).size).toBe(size)
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('secret')
  })

  it('refuses to start on a database URL that is not postgres://', async () => {
    const error = await startServer({
      dataDir: dir,
      database: 'mysql://x',
      port: 0,
      logger: false,
    }).catch((e: unknown) => e)
    expect((error as { code?: string }).code).toBe('ERR_CONFIG_INVALID')
  })
})
