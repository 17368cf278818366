import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import { SOFTHSM_MODULE, softHsm } from '@latch/testkit/softhsm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ServerError } from '../src/errors.js'
import { createCustodyKey } from '../src/keys/custody/create-custody-key.js'
import { resealServerKeys } from '../src/keys/reseal-server-keys.js'
import { type RunningServer, startServer } from '../src/server.js'
import { encryptFor } from './helpers/encrypt-for.js'

// `latch keys reseal`: every server key moved to another custody in one audited transaction,
// while a server goes on serving from the keys it holds.

const PIN = '135790'
const HSM = `pkcs11:token=reseal;object=latch-root?module-path=${SOFTHSM_MODULE}`
const hsm = softHsm()
const dirs: string[] = []
const servers: RunningServer[] = []

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latch-reseal-'))
  dirs.push(dir)
  return dir
}
async function start(dataDir: string, custody: string) {
  const server = await startServer({ dataDir, port: 0, logger: false, custody })
  servers.push(server)
  return server
}
async function resealRecords(server: RunningServer): Promise<Record<string, unknown>[]> {
  const rows = await server.services.store.queryAudit({ type: 'key.reseal' }, { limit: 10 })
  return rows.map((r) => JSON.parse(Buffer.from(r.recordBytes).toString('utf8')))
}
function newRootKeyFile(): string {
  const file = join(tempDir(), 'new-root.key')
  writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 })
  return file
}

beforeAll(async () => {
  hsm.initToken('reseal', PIN)
  process.env.LATCH_PKCS11_PIN = PIN
  expect(await createCustodyKey(HSM)).toBe(true)
})
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close().catch(() => undefined)
})
afterAll(() => {
  delete process.env.LATCH_PKCS11_PIN
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  hsm.remove()
})

describe('latch keys reseal', () => {
  it('moves the keys from the local root key into the HSM while a server runs on; restarted, it opens them there', async () => {
    const dir = tempDir()
    const running = await start(dir, '')
    const adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim()
    const admin = new KeyServerClient({ server: running.url, token: adminToken })
    const { token } = await admin.createUser('owner@example.com')
    const owner = new KeyServerClient({ server: running.url, token })
    const policy = await owner.createPolicy({})
    const { object: before } = await encryptFor(owner, policy.id, Buffer.from('before'))
    await admin.rotateKey()
    const kids = (await owner.keys()).keys.map((k) => k.kid)

    const result = await resealServerKeys({ dataDir: dir, from: '', to: HSM })
    expect(result.from).toBe('root-key')
    expect(result.to).toBe('pkcs11:token=reseal;object=latch-root')
    // Two wrap keys and the checkpoint key.
    expect(result.resealed).toHaveLength(3)
    expect(result.resealed).toEqual(expect.arrayContaining(kids))
    expect(result.already).toEqual([])

    // No downtime: the running server still releases keys and takes new files.
    const kasId = (await owner.keys()).kasId
    const resolver = keyServerResolver({ [kasId]: owner })
    expect(Buffer.from(await decryptBuffer(before, resolver)).toString()).toBe('before')
    const { object: during } = await encryptFor(owner, policy.id, Buffer.from('during'))
    expect(Buffer.from(await decryptBuffer(during, resolver)).toString()).toBe('during')
    const records = await resealRecords(running)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({
      type: 'key.reseal',
      from: 'root-key',
      to: 'pkcs11:token=reseal;object=latch-root',
      actor: { email: 'system' },
    })
    await running.close()

    // The old root key opens nothing any more; the HSM opens everything.
    const refused = await startServer({ dataDir: dir, port: 0, logger: false }).catch((e) => e)
    expect((refused as ServerError).code).toBe('ERR_CONFIG_INVALID')
    const restarted = await start(dir, HSM)
    const again = new KeyServerClient({ server: restarted.url, token })
    const resolved = keyServerResolver({ [kasId]: again })
    expect(Buffer.from(await decryptBuffer(before, resolved)).toString()).toBe('before')
    expect(Buffer.from(await decryptBuffer(during, resolved)).toString()).toBe('during')
  })

  it('runs again without harm, and moves on to a new root key file', async () => {
    const dir = tempDir()
    await (await start(dir, '')).close()
    expect((await resealServerKeys({ dataDir: dir, from: '', to: HSM })).resealed).toHaveLength(2)
    const again = await resealServerKeys({ dataDir: dir, from: '', to: HSM })
    expect(again.resealed).toEqual([])
    expect(again.already).toHaveLength(2)

    const file = newRootKeyFile()
    const moved = await resealServerKeys({ dataDir: dir, from: HSM, to: `root-key:${file}` })
    expect(moved.resealed).toHaveLength(2)
    const server = await start(dir, `root-key:${file}`)
    // The run that moved nothing wrote no record.
    expect(await resealRecords(server)).toHaveLength(2)
  })

  it('changes nothing when a key opens under neither custody, or the source root key is missing', async () => {
    const dir = tempDir()
    const original = newRootKeyFile()
    await (await start(dir, `root-key:${original}`)).close()
    const error = (await resealServerKeys({
      dataDir: dir,
      from: `root-key:${newRootKeyFile()}`,
      to: HSM,
    }).catch((e) => e)) as ServerError
    expect(error.code).toBe('ERR_CONFIG_INVALID')
    expect(error.message).toContain('does not open')
    const missing = (await resealServerKeys({ dataDir: dir, from: '', to: HSM }).catch(
      (e) => e,
    )) as ServerError
    expect(missing.code).toBe('ERR_CONFIG_INVALID')
    expect(missing.message).toContain('root.key')
    const empty = (await resealServerKeys({ dataDir: tempDir(), from: HSM, to: HSM }).catch(
      (e) => e,
    )) as ServerError
    expect(empty.code).toBe('ERR_CONFIG_INVALID')
    // Every key is still sealed where it was.
    expect((await start(dir, `root-key:${original}`)).services.custody).toBe(`root-key:${original}`)
  })
})
