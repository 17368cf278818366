import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { KeyServerClient } from '@latch/client'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { ServerError } from '../src/errors.js'
import { startServer } from '../src/server.js'

// The first admin's token and the data directory that holds it, with the root
// key and the database. admin.token was written with writeFileSync: through a symbolic link
// someone planted, or into a file someone made readable first; the data directory kept whatever
// mode it had.

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latch-secrets-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

async function refusal(dataDir: string): Promise<ServerError> {
  const error = await startServer({ dataDir, port: 0, logger: false }).then(
    async (server) => {
      await server.close()
      return undefined
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ServerError)
  expect((error as ServerError).code).toBe('ERR_CONFIG_INVALID')
  return error as ServerError
}

function users(dataDir: string): number {
  const db = new Database(join(dataDir, 'latch.db'), { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n
  } finally {
    db.close()
  }
}

async function startsAndAdminWorks(dataDir: string): Promise<void> {
  const server = await startServer({ dataDir, port: 0, logger: false })
  try {
    expect(server.adminTokenFile).toBe(join(dataDir, 'admin.token'))
    const file = lstatSync(join(dataDir, 'admin.token'))
    expect(file.isFile()).toBe(true)
    expect(file.mode & 0o777).toBe(0o600)
    const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim()
    expect(await new KeyServerClient({ server: server.url, token }).me()).toMatchObject({
      email: 'admin@latch.local',
      role: 'admin',
    })
  } finally {
    await server.close()
  }
}

describe('admin.token is created exclusively, never through a link, before the admin exists', () => {
  it('refuses to start over an existing admin.token, creates no admin, leaves the file as it was', async () => {
    const dataDir = tempDir()
    writeFileSync(join(dataDir, 'admin.token'), 'planted\n', { mode: 0o644 })
    const error = await refusal(dataDir)
    expect(error.message).toContain(`${join(dataDir, 'admin.token')} is a file already`)
    expect(users(dataDir)).toBe(0)
    expect(readFileSync(join(dataDir, 'admin.token'), 'utf8')).toBe('planted\n')
    expect(statSync(join(dataDir, 'admin.token')).mode & 0o777).toBe(0o644)
    // Once it is removed, the first start happens as usual.
    rmSync(join(dataDir, 'admin.token'))
    await startsAndAdminWorks(dataDir)
  })

  it('refuses a symbolic link at admin.token, and leaves the file it points to untouched', async () => {
    const dataDir = tempDir()
    const elsewhere = join(tempDir(), 'authorized_keys')
    writeFileSync(elsewhere, 'ssh-ed25519 AAAA… alice\n', { mode: 0o644 })
    symlinkSync(elsewhere, join(dataDir, 'admin.token'))
    const error = await refusal(dataDir)
    expect(error.message).toContain('is a symbolic link already')
    expect(users(dataDir)).toBe(0)
    expect(readFileSync(elsewhere, 'utf8')).toBe('ssh-ed25519 AAAA… alice\n')
    expect(statSync(elsewhere).mode & 0o777).toBe(0o644)
    expect(readlinkSync(join(dataDir, 'admin.token'))).toBe(elsewhere)
  })

  it('refuses a dangling symbolic link, and creates nothing where it points', async () => {
    const dataDir = tempDir()
    const target = join(tempDir(), 'created-through-the-link')
    symlinkSync(target, join(dataDir, 'admin.token'))
    await refusal(dataDir)
    expect(existsSync(target)).toBe(false)
    expect(users(dataDir)).toBe(0)
  })
})

describe('the data directory is private', () => {
  it('creates a new data directory with mode 0700', async () => {
    const dataDir = join(tempDir(), 'new', 'data')
    await startsAndAdminWorks(dataDir)
    expect(statSync(dataDir).mode & 0o777).toBe(0o700)
  })

  it('tightens an existing 0755 data directory to 0700 and logs a warning saying so', async () => {
    const dataDir = join(tempDir(), 'data')
    mkdirSync(dataDir, { mode: 0o755 })
    let log = ''
    const stream = new Writable({
      write(chunk, _encoding, done) {
        log += chunk.toString()
        done()
      },
    })
    const server = await startServer({
      dataDir,
      port: 0,
      logger: { level: 'info', stream },
    })
    await server.close()
    expect(statSync(dataDir).mode & 0o777).toBe(0o700)
    const warnings = log
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level === 40)
    expect(warnings.map((w) => w.msg)).toEqual([
      `the data directory ${dataDir} had mode 0755, open to other users: set it to 0700`,
    ])
  })

  it('refuses a shared sticky directory such as /tmp rather than taking it over', async () => {
    const dataDir = join(tempDir(), 'shared')
    mkdirSync(dataDir)
    chmodSync(dataDir, 0o1777)
    const error = await refusal(dataDir)
    expect(error.message).toContain('is a shared directory (mode 01777)')
    expect(statSync(dataDir).mode & 0o7777).toBe(0o1777)
    expect(readdirSync(dataDir)).toEqual([])
  })

  it.runIf(process.getuid?.() === 0)(
    'refuses a data directory owned by another user, and writes nothing into it',
    async () => {
      const dataDir = join(tempDir(), 'data')
      mkdirSync(dataDir, { mode: 0o700 })
      chownSync(dataDir, 65_534, 65_534)
      const error = await refusal(dataDir)
      expect(error.message).toContain('belongs to uid 65534')
      expect(readdirSync(dataDir)).toEqual([])
      expect(statSync(dataDir).mode & 0o777).toBe(0o700)
    },
  )
})
