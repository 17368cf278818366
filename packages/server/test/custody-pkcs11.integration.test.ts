import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { KeyServerClient, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import { SOFTHSM_MODULE, softHsm } from '@latch/testkit/softhsm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ServerError } from '../src/errors.js'
import { type Custody, parseCustody } from '../src/keys/custody/parse-custody.js'
import { createPkcs11Key } from '../src/keys/custody/pkcs11-sealer.js'
import { type RunningServer, type StartOptions, startServer } from '../src/server.js'
import { encryptFor } from './helpers/encrypt-for.js'

// The root key in a PKCS#11 token: Debian's SoftHSM2, through the same code as any HSM.

const PIN = '246810'
const hsm = softHsm()
const dirs: string[] = []
const servers: RunningServer[] = []

function uri(token: string, object = 'latch-root', query = ''): string {
  return `pkcs11:token=${token};object=${object}?module-path=${SOFTHSM_MODULE}${query}`
}
function pkcs11(text: string) {
  return parseCustody(text) as Extract<Custody, { kind: 'pkcs11' }>
}
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latch-hsm-'))
  dirs.push(dir)
  return dir
}
async function start(dataDir: string, custody: string, logger: StartOptions['logger'] = false) {
  const server = await startServer({ dataDir, port: 0, logger, custody })
  servers.push(server)
  return server
}
async function startError(dataDir: string, custody: string): Promise<ServerError> {
  return startServer({ dataDir, port: 0, logger: false, custody }).then(
    async (s) => {
      await s.close()
      throw new Error('started')
    },
    (e: ServerError) => e,
  )
}

beforeAll(async () => {
  // SoftHSM reads its token directory when the module is loaded: make every token first.
  hsm.initToken('latch', PIN)
  hsm.initToken('other', PIN)
  hsm.initToken('loose', PIN)
  process.env.LATCH_PKCS11_PIN = PIN
  expect(await createPkcs11Key(pkcs11(uri('latch')))).toBe(true)
  expect(await createPkcs11Key(pkcs11(uri('latch')))).toBe(false)
  expect(await createPkcs11Key(pkcs11(uri('other')))).toBe(true)
  createExtractableKey('loose', 'latch-root')
})
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close().catch(() => undefined)
})
afterAll(() => {
  delete process.env.LATCH_PKCS11_PIN
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
  hsm.remove()
})

describe('PKCS#11 custody', () => {
  it('seals the server keys in the token: no root key on disk, files decrypt across a restart', async () => {
    const dir = tempDir()
    const first = await start(dir, uri('latch'))
    expect(existsSync(join(dir, 'root.key'))).toBe(false)
    const adminToken = readFileSync(join(dir, 'admin.token'), 'utf8').trim()
    const admin = new KeyServerClient({ server: first.url, token: adminToken })
    const { token } = await admin.createUser('owner@example.com')
    const owner = new KeyServerClient({ server: first.url, token })
    const policy = await owner.createPolicy({})
    const { object } = await encryptFor(owner, policy.id, Buffer.from('in the hsm'))
    await admin.rotateKey()
    const keys = await owner.keys()
    await first.close()

    const second = await start(dir, uri('latch'))
    const again = new KeyServerClient({ server: second.url, token })
    expect(await again.keys()).toEqual(keys)
    const resolver = keyServerResolver({ [keys.kasId]: again })
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('in the hsm')
  })

  it('logs every seal and unseal, with the kid and never the PIN', async () => {
    const dir = tempDir()
    let log = ''
    const stream = new Writable({
      write(chunk, _encoding, done) {
        log += chunk.toString()
        done()
      },
    })
    await (await start(dir, uri('latch'), { level: 'info', stream })).close()
    await (await start(dir, uri('latch'), { level: 'info', stream })).close()
    const entries = log
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const seals = entries.filter((e) => e.event === 'custody.seal')
    const unseals = entries.filter((e) => e.event === 'custody.unseal')
    // First start: a wrap key and a checkpoint key sealed (and unsealed once loaded); the restart
    // unseals both again.
    expect(seals.map((e) => e.custody)).toEqual(['pkcs11', 'pkcs11'])
    expect(unseals.length).toBe(4)
    expect(new Set(unseals.map((e) => e.kid))).toEqual(new Set(seals.map((e) => e.kid)))
    expect(entries.some((e) => e.msg === 'key custody open, server keys unsealed')).toBe(true)
    expect(log).not.toContain(PIN)
  })

  it('refuses to start (fail closed) on a wrong PIN, no PIN, a missing token or module, or a missing key', async () => {
    const dir = tempDir()
    process.env.LATCH_PKCS11_PIN = '999999'
    try {
      const wrong = await startError(dir, uri('latch'))
      expect(wrong.code).toBe('ERR_CONFIG_INVALID')
      expect(wrong.message).toContain('PIN')
      expect(wrong.message).not.toContain('999999')
      delete process.env.LATCH_PKCS11_PIN
      expect((await startError(dir, uri('latch'))).code).toBe('ERR_CONFIG_INVALID')
    } finally {
      process.env.LATCH_PKCS11_PIN = PIN
    }
    expect((await startError(dir, uri('absent'))).code).toBe('ERR_CUSTODY_UNAVAILABLE')
    expect(
      (await startError(dir, uri('latch').replace(SOFTHSM_MODULE, '/nonexistent/libpkcs11.so')))
        .code,
    ).toBe('ERR_CUSTODY_UNAVAILABLE')
    const noKey = await startError(dir, uri('latch', 'no-such-key'))
    expect(noKey.code).toBe('ERR_CONFIG_INVALID')
    expect(noKey.message).toContain('no-such-key')
    // The custody is opened before the database: failed starts created nothing.
    expect(existsSync(join(dir, 'latch.db'))).toBe(false)
    const ok = await start(dir, uri('latch'))
    expect(ok.adminTokenFile).toBe(join(dir, 'admin.token'))
  })

  it('refuses to start when the stored keys were sealed by another token, or under the local root key', async () => {
    const dir = tempDir()
    await (await start(dir, uri('latch'))).close()
    const other = await startError(dir, uri('other'))
    expect(other.code).toBe('ERR_CONFIG_INVALID')
    expect(other.message).toContain('does not open')
    expect((await startError(dir, '')).code).toBe('ERR_CONFIG_INVALID')

    const local = tempDir()
    await (await start(local, '')).close()
    expect((await startError(local, uri('latch'))).code).toBe('ERR_CONFIG_INVALID')
  })

  it('refuses a key that could leave the token, and a PIN file others can read', async () => {
    const dir = tempDir()
    const loose = await startError(dir, uri('loose'))
    expect(loose.code).toBe('ERR_CONFIG_INVALID')
    expect(loose.message).toContain('not extractable')

    const pinFile = join(tempDir(), 'pin')
    writeFileSync(pinFile, `${PIN}\n`, { mode: 0o644 })
    const open = await startError(dir, uri('latch', 'latch-root', `&pin-source=file:${pinFile}`))
    expect(open.code).toBe('ERR_CONFIG_INVALID')
    expect(open.message).toContain('chmod 600')
  })

  it('takes the PIN from a pin-source file, without LATCH_PKCS11_PIN', async () => {
    const pinFile = join(tempDir(), 'pin')
    writeFileSync(pinFile, `${PIN}\n`, { mode: 0o600 })
    delete process.env.LATCH_PKCS11_PIN
    try {
      const server = await start(
        tempDir(),
        uri('latch', 'latch-root', `&pin-source=file:${pinFile}`),
      )
      expect(server.services.custody).toBe('pkcs11:token=latch;object=latch-root')
    } finally {
      process.env.LATCH_PKCS11_PIN = PIN
    }
  })
})

// A key as a careless operator might make it: sensitive but extractable (wrappable out).
function createExtractableKey(token: string, label: string): void {
  const require = createRequire(import.meta.url)
  const p = require('pkcs11js') as typeof import('pkcs11js')
  const lib = new p.PKCS11()
  lib.load(SOFTHSM_MODULE)
  lib.C_Initialize()
  try {
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === token)
    if (slot === undefined) throw new Error(`no token ${token}`)
    const session = lib.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION)
    lib.C_Login(session, p.CKU_USER, PIN)
    lib.C_GenerateKey(session, { mechanism: p.CKM_AES_KEY_GEN }, [
      { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
      { type: p.CKA_KEY_TYPE, value: p.CKK_AES },
      { type: p.CKA_VALUE_LEN, value: 32 },
      { type: p.CKA_LABEL, value: label },
      { type: p.CKA_TOKEN, value: true },
      { type: p.CKA_SENSITIVE, value: true },
      { type: p.CKA_EXTRACTABLE, value: true },
      { type: p.CKA_ENCRYPT, value: true },
      { type: p.CKA_DECRYPT, value: true },
    ])
    lib.C_CloseSession(session)
  } finally {
    lib.C_Finalize()
    lib.close()
  }
}
