import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runInProcess } from './in-process.js'

// `latch dev`'s env file holds the admin token, and writeFileSync's mode applies only to a file it
// creates; a token sent over plain http to another host can be read on the way; a database password
// in `latch server --database` is in every `ps` listing.

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latch-cli-secrets-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('latch dev keeps its data directory and env file private', () => {
  it('rewrites a pre-existing 0644 env file as 0600, tightens a 0755 data directory, and still works', async () => {
    const data = join(tempDir(), '.latch')
    mkdirSync(data, { mode: 0o755 })
    writeFileSync(join(data, 'env'), 'export LATCH_TOKEN=old\n', { mode: 0o644 })
    let listed = ''
    const dev = await runInProcess(
      ['dev', '--data', data, '--port', '0', '--s3-port', '0'],
      {},
      {
        ready: (out) => out.includes('AWS_REGION'),
        async meanwhile(out) {
          // The CLI against what `latch dev` started, with the environment it printed.
          const env = Object.fromEntries(
            [...out.matchAll(/^export (\w+)=(.*)$/gm)].map(([, k, v]) => [
              k as string,
              v as string,
            ]),
          )
          const keys = await runInProcess(['keys', 'list'], env)
          expect(keys.code, keys.stderr).toBe(0)
          listed = keys.stdout
          expect(statSync(join(data, 'env')).mode & 0o777).toBe(0o600)
        },
      },
    )
    expect(dev.code, dev.stderr).toBe(0)
    expect(listed).toContain('(current)')
    expect(statSync(join(data, 'env')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(data, 'env'), 'utf8')).toMatch(/^export LATCH_TOKEN=latch_/m)
    expect(statSync(data).mode & 0o777).toBe(0o700)
    expect(statSync(join(data, 's3')).mode & 0o777).toBe(0o700)
    expect(dev.stderr).toContain(`the data directory ${data} had mode 0755`)
  })
})

describe('a warning before a token travels over plain http to another host', () => {
  // `--since nonsense` stops the command right after it built its client: nothing is sent.
  const run = (server: string, token = 'latch_x_y') =>
    runInProcess(['audit', '--since', 'nonsense'], { LATCH_SERVER: server, LATCH_TOKEN: token })
  const warning = 'the token travels unencrypted to'

  it('warns once for http://10.0.0.1:8400', async () => {
    const result = await run('http://10.0.0.1:8400')
    expect(result.code).toBe(64)
    expect(result.stderr.split(warning)).toHaveLength(2)
    expect(result.stderr).toContain(
      'latch: warning: the token travels unencrypted to http://10.0.0.1:8400; use https\n',
    )
  })

  it('says nothing for loopback, for https, and without a token', async () => {
    for (const server of [
      'http://127.0.0.1:8400',
      'http://127.5.6.7:8400',
      'http://localhost:8400',
      'http://[::1]:8400',
      'https://10.0.0.1:8400',
    ]) {
      const result = await run(server)
      expect(result.code).toBe(64)
      expect(result.stderr, server).not.toContain(warning)
    }
    expect((await run('http://10.0.0.1:8400', '')).stderr).not.toContain(warning)
  })
})

describe('latch server keeps the database password out of its arguments', () => {
  const data = () => tempDir()
  // Nothing listens on port 1: the server fails to connect (69) right after reading its flags.
  const url = 'postgres://latch:s3cret-pw@127.0.0.1:1/latch'

  it('warns when the --database URL on the command line holds a password, and never prints it', async () => {
    const result = await runInProcess(['server', '--data', data(), '--database', url], {})
    expect(result.code).toBe(69)
    expect(result.stderr).toContain(
      'latch: warning: the password in --database is visible to every user of this machine (ps)',
    )
    expect(result.stderr).not.toContain('s3cret-pw')
    const fromEnv = await runInProcess(['server', '--data', data()], { LATCH_DATABASE: url })
    expect(fromEnv.code).toBe(69)
    expect(fromEnv.stderr).not.toContain('warning')
  })

  it('refuses a password file the group or others may read, from the flag or the environment', async () => {
    const file = join(tempDir(), 'db-password')
    writeFileSync(file, 'pw\n', { mode: 0o640 })
    const noPassword = 'postgres://latch@127.0.0.1:1/latch'
    for (const [args, env] of [
      [['--database-password-file', file], {}],
      [[], { LATCH_DATABASE_PASSWORD_FILE: file }],
    ] as const) {
      const result = await runInProcess(
        ['server', '--data', data(), '--database', noPassword, ...args],
        env,
      )
      expect(result.code, result.stderr).toBe(64)
      expect(result.stderr).toContain(
        `the database password file ${file} is open to other users (mode 0640): run chmod 600`,
      )
    }
  })
})
