import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient } from '@latch/client'
import { ServerError, startServer } from '@latch/server'
import { type PostgresCluster, startPostgresCluster } from '@latch/testkit/postgres'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runInProcess } from './in-process.js'

// `latch server --database postgres://latch:PASSWORD@…` put the password in
// the process arguments, which every user of the machine reads with `ps`. The password now comes
// from a file (`--database-password-file`, `LATCH_DATABASE_PASSWORD_FILE`) or the environment
// (`LATCH_DATABASE_PASSWORD`, or the driver's own `PGPASSWORD`).
//
// The shared test PostgreSQL trusts every loopback connection, so a password would never be
// checked there: this file starts a throw-away cluster of the same Debian package and makes it
// require SCRAM for one role, so that a missing or wrong password is refused for real.

const ROLE = 'latch_pw'
// Characters a URL would need escaped, to show the password never goes through one unescaped.
const PASSWORD = 'p@ss:w/rd%41 ?&=#é!'

let cluster: PostgresCluster
let url: string
const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latch-dbpw-'))
  dirs.push(dir)
  return dir
}
function passwordFile(text: string, mode: number): string {
  const file = join(tempDir(), 'db-password')
  writeFileSync(file, text, { mode })
  return file
}

beforeAll(async () => {
  delete process.env.PGPASSWORD
  delete process.env.LATCH_DATABASE_PASSWORD
  // Every start below shares the database, so they share a root key, as instances do.
  process.env.LATCH_ROOT_KEY = randomBytes(32).toString('hex')
  cluster = await startPostgresCluster()
  const admin = new pg.Client({ connectionString: cluster.url })
  await admin.connect()
  try {
    const hba = (await admin.query<{ hba_file: string }>('SHOW hba_file')).rows[0]?.hba_file
    if (hba === undefined) throw new Error('no hba_file')
    writeFileSync(hba, `host all ${ROLE} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`)
    await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`)
    await admin.query(`CREATE DATABASE ${ROLE} OWNER ${ROLE}`)
    await admin.query('SELECT pg_reload_conf()')
  } finally {
    await admin.end()
  }
  const at = new URL(cluster.url)
  url = `postgres://${ROLE}@${at.host}/${ROLE}`
}, 120_000)
afterAll(async () => {
  delete process.env.LATCH_ROOT_KEY
  await cluster?.stop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

async function startError(options: Parameters<typeof startServer>[0]): Promise<ServerError> {
  const error = await startServer({ port: 0, logger: false, ...options }).then(
    async (server) => {
      await server.close()
      return undefined
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ServerError)
  return error as ServerError
}

async function serves(options: Parameters<typeof startServer>[0]): Promise<void> {
  const dataDir = tempDir()
  const server = await startServer({ dataDir, port: 0, logger: false, ...options })
  try {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect(await new KeyServerClient({ server: server.url }).keys()).toMatchObject({
      kasId: 'latch',
    })
  } finally {
    await server.close()
  }
}

describe('the PostgreSQL password from a file or the environment, never the arguments', () => {
  it('the database really asks for the password: none, or a wrong one, is refused (503 code)', async () => {
    expect((await startError({ dataDir: tempDir(), database: url })).code).toBe(
      'ERR_STORE_UNAVAILABLE',
    )
    const wrong = passwordFile('not-the-password\n', 0o600)
    expect(
      (await startError({ dataDir: tempDir(), database: url, databasePasswordFile: wrong })).code,
    ).toBe('ERR_STORE_UNAVAILABLE')
  })

  it('connects with --database-password-file (a 0600 file, first line)', async () => {
    await serves({ database: url, databasePasswordFile: passwordFile(`${PASSWORD}\n`, 0o600) })
  })

  it('connects with LATCH_DATABASE_PASSWORD, and with the driver’s PGPASSWORD', async () => {
    for (const name of ['LATCH_DATABASE_PASSWORD', 'PGPASSWORD']) {
      process.env[name] = PASSWORD
      try {
        await serves({ database: url })
      } finally {
        delete process.env[name]
      }
    }
  })

  it('refuses a group-readable password file before connecting, and a password given twice', async () => {
    const loose = await startError({
      dataDir: tempDir(),
      database: url,
      databasePasswordFile: passwordFile(`${PASSWORD}\n`, 0o640),
    })
    expect(loose.code).toBe('ERR_CONFIG_INVALID')
    expect(loose.message).toContain('is open to other users (mode 0640): run chmod 600')
    const twice = await startError({
      dataDir: tempDir(),
      database: url.replace(`${ROLE}@`, `${ROLE}:x@`),
      databasePasswordFile: passwordFile(`${PASSWORD}\n`, 0o600),
    })
    expect(twice.code).toBe('ERR_CONFIG_INVALID')
    expect(twice.message).toContain('the database password is given twice')
  })

  it('latch server --database-password-file FILE serves, with no password in its arguments or output', async () => {
    const args = [
      'server',
      '--data',
      tempDir(),
      '--database',
      url,
      '--database-password-file',
      passwordFile(`${PASSWORD}\n`, 0o600),
      '--port',
      '0',
      '--log-level',
      'warn',
    ]
    expect(args.join(' ')).not.toContain(PASSWORD)
    let listed = ''
    const server = await runInProcess(
      args,
      {},
      {
        ready: (_out, err) => err.includes('listening on'),
        async meanwhile(_out, err) {
          const server = /listening on (http:\/\/\S+)/.exec(err)?.[1] as string
          const keys = await runInProcess(['keys', 'list'], { LATCH_SERVER: server })
          expect(keys.code, keys.stderr).toBe(0)
          listed = keys.stdout
        },
      },
    )
    expect(server.code, server.stderr).toBe(0)
    expect(listed).toContain('(current)')
    expect(server.stderr).not.toContain(PASSWORD)
    expect(server.stderr).not.toContain('warning')
  })
})
