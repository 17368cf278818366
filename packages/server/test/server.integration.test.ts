import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient, type KeyServerError, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import { startOidcProvider, type TestOidcProvider } from '@latch/testkit/oidc-provider'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { auditEvent } from '../src/audit/audit-event.js'
import { SYSTEM_IDENTITY } from '../src/auth/identity.js'
import { ServerError } from '../src/errors.js'
import { type RunningServer, startServer } from '../src/server.js'
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js'
import { encryptFor } from './helpers/encrypt-for.js'

// The key server over real HTTP on loopback, with its data directory on disk.

const dirs: string[] = []
const servers: RunningServer[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latch-it-'))
  dirs.push(dir)
  return dir
}
async function start(dataDir: string, extra: Parameters<typeof startServer>[0] = {}) {
  const server = await startServer({ dataDir, port: 0, logger: false, ...extra })
  servers.push(server)
  return server
}
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close().catch(() => undefined)
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('first start and restart', () => {
  it('creates root.key, the database and admin.token owner-only, and keeps keys and data across a restart', async () => {
    const dir = tempDir()
    const first = await start(dir)
    expect(first.adminTokenFile).toBe(join(dir, 'admin.token'))
    for (const file of ['root.key', 'admin.token', 'latch.db']) {
      expect((statSync(join(dir, file)).mode & 0o777).toString(8), file).toBe('600')
    }
    const adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim()
    const admin = new KeyServerClient({ server: first.url, token: adminToken })
    const { token } = await admin.createUser('owner@example.com')
    const owner = new KeyServerClient({ server: first.url, token })
    const policy = await owner.createPolicy({})
    const { object } = await encryptFor(owner, policy.id, Buffer.from('kept'))
    const keysBefore = await owner.keys()
    await first.close()

    const second = await start(dir)
    expect(second.adminTokenFile).toBeUndefined()
    const again = new KeyServerClient({ server: second.url, token })
    expect(await again.keys()).toEqual(keysBefore)
    const resolver = keyServerResolver({ [keysBefore.kasId]: again })
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('kept')
  })

  it('restarts after a crash and a long outage, whose unsigned tail is past its age bound', async () => {
    const dir = tempDir()
    await (await start(dir)).close()
    // What a kill -9 leaves behind ten minutes later: a record no checkpoint covers, grown old.
    const store = openSqliteStore({
      file: join(dir, 'latch.db'),
      tailBounds: { maxUnsignedRecords: 1e6, maxUnsignedAgeMs: 1e9 },
    })
    await store.appendAudit(auditEvent('server.start', SYSTEM_IDENTITY, undefined, {}))
    await store.close()
    const db = new Database(join(dir, 'latch.db'))
    db.prepare('UPDATE audit_head SET first_unsigned_at = ?').run(
      new Date(Date.now() - 600_000).toISOString(),
    )
    db.close()
    const server = await start(dir)
    expect((await server.services.store.auditHead()).signedSize).toBeGreaterThan(0)
  })

  it('refuses to start with another root key, or a root key file others can read', async () => {
    const dir = tempDir()
    await (await start(dir)).close()
    const other = randomBytes(32).toString('hex')
    process.env.LATCH_ROOT_KEY = other
    try {
      const error = await startServer({ dataDir: dir, port: 0, logger: false }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ServerError)
      expect((error as ServerError).code).toBe('ERR_CONFIG_INVALID')
      expect((error as ServerError).message).toContain('root key')
    } finally {
      delete process.env.LATCH_ROOT_KEY
    }
    chmodSync(join(dir, 'root.key'), 0o644)
    const loose = await startServer({ dataDir: dir, port: 0, logger: false }).catch(
      (e: unknown) => e,
    )
    expect((loose as ServerError).code).toBe('ERR_CONFIG_INVALID')
    expect((loose as ServerError).message).toContain('chmod 600')
  })
})

describe('OIDC bearer tokens from a real provider', () => {
  let idp: TestOidcProvider
  beforeAll(async () => {
    idp = await startOidcProvider()
  })
  afterAll(async () => {
    await idp.close()
  })

  it('authenticates OIDC users by email, releases keys to them as readers, and refuses bad tokens', async () => {
    const dir = tempDir()
    const server = await start(dir, { oidc: { issuer: idp.issuer, audience: idp.audience } })
    const adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim()
    const owner = new KeyServerClient({
      server: server.url,
      token: (
        await new KeyServerClient({ server: server.url, token: adminToken }).createUser(
          'owner@example.com',
        )
      ).token,
    })
    const policy = await owner.createPolicy({ readers: ['bob@example.test'] })
    const { object } = await encryptFor(owner, policy.id, Buffer.from('for bob'))
    const bob = new KeyServerClient({ server: server.url, token: await idp.mintToken('bob') })
    expect(await bob.me()).toMatchObject({
      email: 'bob@example.test',
      role: 'user',
      scheme: 'oidc',
    })
    const kasId = (await bob.keys()).kasId
    expect(
      Buffer.from(await decryptBuffer(object, keyServerResolver({ [kasId]: bob }))).toString(),
    ).toBe('for bob')
    const alice = new KeyServerClient({ server: server.url, token: await idp.mintToken('alice') })
    const denied = await decryptBuffer(object, keyServerResolver({ [kasId]: alice })).catch(
      (e: unknown) => e,
    )
    expect((denied as KeyServerError).code).toBe('ERR_ACCESS_DENIED')
    const forged = await idp.signToken({
      email: 'bob@example.test',
      sub: 'bob',
      iss: 'https://evil.example',
    })
    const refused = await new KeyServerClient({ server: server.url, token: forged })
      .me()
      .catch((e: unknown) => e)
    expect((refused as KeyServerError).status).toBe(401)
    const audit = await server.services.store.readAudit(0, 1000)
    const releases = audit
      .map((r) => JSON.parse(Buffer.from(r.recordBytes).toString()))
      .filter((r) => r.type === 'key.release')
    expect(releases.at(-1)?.actor).toMatchObject({
      email: 'bob@example.test',
      scheme: 'oidc',
      iss: idp.issuer,
    })
  })
})
