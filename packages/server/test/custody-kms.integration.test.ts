import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms'
import { KeyServerClient, type KeyServerError, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import { type MotoServer, startMotoServer } from '@latch/testkit/moto-server'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ServerError } from '../src/errors.js'
import { type RunningServer, startServer } from '../src/server.js'
import { encryptFor } from './helpers/encrypt-for.js'

// The root key in AWS KMS, as emulated by moto's server (a local emulator, not AWS): the same
// SDK calls (Encrypt, Decrypt with an encryption context) that a real KMS answers.

const REGION = 'eu-west-1'
let moto: MotoServer
const dirs: string[] = []
const servers: RunningServer[] = []
const savedEnv = { ...process.env }

function custody(endpoint: string, key = 'alias/latch-root'): string {
  return `aws-kms:${key}?region=${REGION}&endpoint=${encodeURIComponent(endpoint)}`
}
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latch-kms-'))
  dirs.push(dir)
  return dir
}
async function start(dataDir: string, text: string, kasId = 'latch') {
  const server = await startServer({ dataDir, port: 0, logger: false, custody: text, kasId })
  servers.push(server)
  return server
}
async function startError(dataDir: string, text: string, kasId = 'latch'): Promise<ServerError> {
  return startServer({ dataDir, port: 0, logger: false, custody: text, kasId }).then(
    async (s) => {
      await s.close()
      throw new Error('started')
    },
    (e: ServerError) => e,
  )
}
async function createAlias(endpoint: string, alias: string): Promise<void> {
  const kms = new KMSClient({ region: REGION, endpoint })
  const key = await kms.send(new CreateKeyCommand({ Description: 'latch root key (test)' }))
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyMetadata?.KeyId }))
  kms.destroy()
}

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'testing'
  process.env.AWS_SECRET_ACCESS_KEY = 'testing'
  moto = await startMotoServer()
  await createAlias(moto.endpoint, 'alias/latch-root')
  await createAlias(moto.endpoint, 'alias/other-root')
})
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close().catch(() => undefined)
})
afterAll(async () => {
  await moto?.stop()
  process.env = savedEnv
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('AWS KMS custody (moto server)', () => {
  it('seals the server keys with KMS: no root key on disk, files decrypt across a restart', async () => {
    const dir = tempDir()
    const first = await start(dir, custody(moto.endpoint))
    expect(existsSync(join(dir, 'root.key'))).toBe(false)
    expect(first.services.custody).toBe('aws-kms:alias/latch-root')
    const adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim()
    const admin = new KeyServerClient({ server: first.url, token: adminToken })
    const { token } = await admin.createUser('owner@example.com')
    const owner = new KeyServerClient({ server: first.url, token })
    const policy = await owner.createPolicy({})
    const { object } = await encryptFor(owner, policy.id, Buffer.from('in kms'))
    const keys = await owner.keys()
    await first.close()

    const second = await start(dir, custody(moto.endpoint))
    const again = new KeyServerClient({ server: second.url, token })
    const resolver = keyServerResolver({ [keys.kasId]: again })
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('in kms')
  })

  it('binds each seal to the key server id and the kid: another kas id or KMS key refuses to start', async () => {
    const dir = tempDir()
    await (await start(dir, custody(moto.endpoint))).close()
    const otherKas = await startError(dir, custody(moto.endpoint), 'kas-2')
    expect(otherKas.code).toBe('ERR_CONFIG_INVALID')
    expect(otherKas.message).toContain('does not open')
    const otherKey = await startError(dir, custody(moto.endpoint, 'alias/other-root'))
    expect(otherKey.code).toBe('ERR_CONFIG_INVALID')
    expect((await startError(dir, '')).code).toBe('ERR_CONFIG_INVALID')
  })

  it('refuses to start (fail closed) when KMS cannot be reached or has no such key', async () => {
    const dir = tempDir()
    await (await start(dir, custody(moto.endpoint))).close()
    const down = await startError(dir, custody('http://127.0.0.1:9'))
    expect(down.code).toBe('ERR_CUSTODY_UNAVAILABLE')
    const fresh = tempDir()
    const missing = await startError(fresh, custody(moto.endpoint, 'alias/no-such-key'))
    expect(missing.code).toBe('ERR_CONFIG_INVALID')
    expect(existsSync(join(fresh, 'admin.token'))).toBe(false)
  })

  it('answers 503 ERR_CUSTODY_UNAVAILABLE, releasing nothing new, when KMS goes away while it runs', async () => {
    const own = await startMotoServer()
    try {
      await createAlias(own.endpoint, 'alias/latch-root')
      const dir = tempDir()
      const server = await start(dir, custody(own.endpoint))
      const adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim()
      const admin = new KeyServerClient({ server: server.url, token: adminToken })
      await own.stop()
      // A rotation must seal the new key: with KMS gone it cannot, and nothing is stored.
      const error = (await admin.rotateKey().catch((e: unknown) => e)) as KeyServerError
      expect(error.code).toBe('ERR_CUSTODY_UNAVAILABLE')
      expect(error.status).toBe(503)
      expect((await admin.keys()).keys).toHaveLength(1)
    } finally {
      await own.stop()
    }
  })
})
