import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import { KeyServerClient } from '@latch/client'
import { createS3Client, readLatchHeader } from '@latch/s3'
import { type KeyServerProcess, startKeyServerProcess } from '@latch/testkit/key-server-process'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { runCli } from './cli-process.js'
import { runInProcess } from './in-process.js'

// Issue 17: files split across two key servers, run as two `latch server` processes with their
// own data directories and kas ids, on Ceph RGW, through the CLI. Each server decides and audits
// on its own copy of the policy; a refusal or an outage of either denies the file.

let dir: string
let servers: { a: KeyServerProcess; b: KeyServerProcess }
let s3Env: Record<string, string>
let bucket: string
const tokens: Record<string, { a: string; b: string }> = {}
const data = Buffer.from(`Jane Doe, 1 Main St, account 12345678\n${'x'.repeat(150_000)}`)

const startServer = (name: 'a' | 'b') =>
  startKeyServerProcess(join(dir, name), ['--kas-id', `kas-${name}`])

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-split-'))
  const [a, b] = await Promise.all([startServer('a'), startServer('b')])
  servers = { a, b }
  const s3 = inject('cephS3')
  s3Env = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
  }
  bucket = `latch-split-${Date.now().toString(36)}`
  await createS3Client({}, s3Env).send(new CreateBucketCommand({ Bucket: bucket }))
  tokens.admin = { a: a.adminToken, b: b.adminToken }
  for (const email of ['owner@example.com', 'bob@example.com']) {
    const [onA, onB] = await Promise.all(
      [a, b].map((s) =>
        new KeyServerClient({ server: s.url, token: s.adminToken }).createUser(email),
      ),
    )
    tokens[email] = { a: onA?.token as string, b: onB?.token as string }
  }
  writeFileSync(join(dir, 'claim.txt'), data)
})
afterAll(async () => {
  for (const s of Object.values(servers ?? {})) s.child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** The environment of someone with an account on both servers, split mode on. */
function splitEnv(who: string): Record<string, string> {
  const t = tokens[who] as { a: string; b: string }
  return {
    ...s3Env,
    LATCH_SPLIT: `${servers.a.url},${servers.b.url}`,
    LATCH_SPLIT_TOKENS: `${t.a},${t.b}`,
  }
}

/** The environment of one server alone (its operator, or a user of it only). */
function oneServer(name: 'a' | 'b', who: string): Record<string, string> {
  const t = tokens[who] as { a: string; b: string }
  return { ...s3Env, LATCH_SERVER: servers[name].url, LATCH_TOKEN: t[name] }
}

describe('latch put/get --split across two key servers (issue 17)', () => {
  const url = () => `s3://${bucket}/claims/claim.txt`
  let policyId = ''

  it('puts a file whose header wraps one share to each server, and gets it back', async () => {
    const put = await runCli(['put', join(dir, 'claim.txt'), url()], splitEnv('owner@example.com'))
    expect(put.code, put.stderr).toBe(0)
    policyId = put.stdout.trim()
    expect(policyId).toMatch(/^p-[A-Za-z0-9_-]{22}$/)
    const { header } = await readLatchHeader({
      client: createS3Client({}, s3Env),
      bucket,
      key: 'claims/claim.txt',
    })
    expect(header.entries.map((e) => [e.sid, e.n, e.kasId])).toEqual([
      [1, 2, 'kas-a'],
      [2, 2, 'kas-b'],
    ])
    const got = await runCli(['get', url(), join(dir, 'got.txt')], splitEnv('owner@example.com'))
    expect(got.code, got.stderr).toBe(0)
    expect(readFileSync(join(dir, 'got.txt')).equals(data)).toBe(true)
    const shown = await runCli(
      ['policy', 'show', policyId, '--json'],
      splitEnv('owner@example.com'),
    )
    expect(JSON.parse(shown.stdout).servers.map((s: { server: string }) => s.server)).toEqual([
      servers.a.url,
      servers.b.url,
    ])
  })

  it('needs both servers to read: one server alone is a configuration error, not a key', async () => {
    const alone = await runCli(['get', url(), join(dir, 'alone.txt')], {
      ...oneServer('a', 'owner@example.com'),
    })
    expect(alone.code).toBe(64)
    expect(alone.stderr).toContain('split across two key servers')
    expect(existsSync(join(dir, 'alone.txt'))).toBe(false)
  })

  it('shares on both servers with --split; unsharing on one of them denies the reader again', async () => {
    expect((await runCli(['get', url(), '-'], splitEnv('bob@example.com'))).code).toBe(77)
    const shared = await runCli(
      ['share', policyId, 'bob@example.com'],
      splitEnv('owner@example.com'),
    )
    expect(shared.code, shared.stderr).toBe(0)
    expect(shared.stderr).toContain(`on ${servers.a.url}`)
    expect(shared.stderr).toContain(`on ${servers.b.url}`)
    const bobs = await runCli(['get', url(), '-'], splitEnv('bob@example.com'))
    expect(bobs.code, bobs.stderr).toBe(0)
    expect(bobs.stdoutBytes.equals(data)).toBe(true)
    const unshared = await runCli(
      ['unshare', policyId, 'bob@example.com'],
      oneServer('b', 'owner@example.com'),
    )
    expect(unshared.code, unshared.stderr).toBe(0)
    expect((await runCli(['get', url(), '-'], splitEnv('bob@example.com'))).code).toBe(77)
  })

  it('is denied while either server revokes it or locks it down', async () => {
    const owner = splitEnv('owner@example.com')
    for (const name of ['a', 'b'] as const) {
      const env = oneServer(name, 'owner@example.com')
      expect((await runCli(['revoke', policyId, '--reason', 'incident'], env)).code).toBe(0)
      expect((await runCli(['get', url(), '-'], owner)).code).toBe(77)
      expect((await runCli(['unrevoke', policyId], env)).code).toBe(0)
      expect((await runCli(['get', url(), '-'], owner)).code).toBe(0)
    }
    const admin = oneServer('a', 'admin')
    const locked = await runCli(['lockdown', '--bucket', bucket, '--reason', 'incident'], admin)
    expect(locked.code, locked.stderr).toBe(0)
    expect((await runCli(['get', url(), '-'], owner)).code).toBe(77)
    expect((await runCli(['lockdown', 'lift', locked.stdout.trim()], admin)).code).toBe(0)
    expect((await runCli(['get', url(), '-'], owner)).code).toBe(0)
  })

  it('fails closed while either server is down: no get, no put, nothing stored; back after a restart', async () => {
    const owner = splitEnv('owner@example.com')
    servers.b.child.kill('SIGKILL')
    await new Promise((resolve) => servers.b.child.once('exit', resolve))
    const got = await runCli(['get', url(), join(dir, 'outage.txt')], owner)
    expect(got.code).toBe(69)
    expect(existsSync(join(dir, 'outage.txt'))).toBe(false)
    const put = await runCli(
      ['put', join(dir, 'claim.txt'), `s3://${bucket}/claims/new.txt`],
      owner,
    )
    expect(put.code).toBe(69)
    const head = await createS3Client({}, s3Env)
      .send(new HeadObjectCommand({ Bucket: bucket, Key: 'claims/new.txt' }))
      .then(
        () => 'stored',
        (e: { name?: string }) => e.name,
      )
    expect(head).toBe('NotFound')
    servers.b = await startServer('b')
    const again = await runCli(['get', url(), '-'], splitEnv('owner@example.com'))
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdoutBytes.equals(data)).toBe(true)
  })

  it('encrypts and decrypts a local file split across both servers, without S3', async () => {
    const owner = splitEnv('owner@example.com')
    const sealed = join(dir, 'claim.latch')
    const encrypted = await runCli(['encrypt', join(dir, 'claim.txt'), '-o', sealed], owner)
    expect(encrypted.code, encrypted.stderr).toBe(0)
    const decrypted = await runCli(['decrypt', sealed, '-o', '-'], owner)
    expect(decrypted.code, decrypted.stderr).toBe(0)
    expect(decrypted.stdoutBytes.equals(data)).toBe(true)
    const alone = await runCli(['decrypt', sealed, '-o', '-'], oneServer('b', 'owner@example.com'))
    expect(alone.code).toBe(64)
    expect(alone.stdoutBytes.length).toBe(0)
  })

  it('takes each server’s token from latch login when LATCH_SPLIT_TOKENS is not set', async () => {
    const config = { ...s3Env, XDG_CONFIG_HOME: join(dir, 'config') }
    const t = tokens['owner@example.com'] as { a: string; b: string }
    for (const [name, token] of [
      ['a', t.a],
      ['b', t.b],
    ] as const) {
      const login = await runCli(['login', '--server', servers[name].url, '--token', token], config)
      expect(login.code, login.stderr).toBe(0)
    }
    const split = `${servers.a.url},${servers.b.url}`
    const got = await runCli(['get', url(), '-', '--split', split], config)
    expect(got.code, got.stderr).toBe(0)
    const missing = await runCli(
      ['get', url(), '-', '--split', `${servers.a.url},http://127.0.0.1:9`],
      config,
    )
    expect(missing.code).toBe(64)
    expect(missing.stderr).toContain('no token for the key server http://127.0.0.1:9')
  })
})

// In process (the same main as the binary) to stay fast: ten commands and a report's wait.
describe('latch audit report --split across both servers’ logs (issue 17)', () => {
  it('concludes no release while one server was locked down, and names the owner over the whole window', async () => {
    const url = `s3://${bucket}/reports/incident.txt`
    const owner = splitEnv('owner@example.com')
    const admin = splitEnv('admin')
    const put = await runInProcess(['put', join(dir, 'claim.txt'), url], owner)
    expect(put.code, put.stderr).toBe(0)
    const policyId = put.stdout.trim()
    expect((await runInProcess(['get', url, '-'], owner)).code).toBe(0)
    // The incident: server a alone locks the prefix down; a get is denied; a lifts.
    const lockedAt = new Date().toISOString()
    const adminA = oneServer('a', 'admin')
    const lock = await runInProcess(
      ['lockdown', '--bucket', bucket, '--prefix', 'reports/', '--reason', 'INC-17'],
      adminA,
    )
    expect(lock.code, lock.stderr).toBe(0)
    expect((await runInProcess(['get', url, '-'], owner)).code).toBe(77)
    expect((await runInProcess(['lockdown', 'lift', lock.stdout.trim()], adminA)).code).toBe(0)
    const liftedAt = new Date().toISOString()

    const incident = await runInProcess(
      ['audit', 'report', url, '--since', lockedAt, '--until', liftedAt, '--json'],
      admin,
    )
    expect(incident.code, incident.stderr).toBe(0)
    const doc = JSON.parse(incident.stdout)
    expect(doc).toMatchObject({ v: 1, policyId })
    expect(doc.servers.map((s: { server: string; kasId: string }) => [s.server, s.kasId])).toEqual([
      [servers.a.url, 'kas-a'],
      [servers.b.url, 'kas-b'],
    ])
    expect(doc.servers[0]).toMatchObject({
      chain: { ok: true },
      releases: 0,
      denialReasons: { lockdown: 1 },
    })
    // b released its share: the client asks both servers at once; alone it opens nothing.
    expect(doc.servers[1]).toMatchObject({ chain: { ok: true }, releases: 1, denials: 0 })
    expect(doc.conclusion).toMatchObject({ verdict: 'no-release', servers: [servers.a.url] })
    expect(doc.conclusion.text).toContain(
      `Conclusion: ${servers.a.url} released no share of this file's key in the window, so nobody obtained the key`,
    )

    const whole = await runInProcess(['audit', 'report', policyId, '--until', liftedAt], admin)
    expect(whole.code, whole.stderr).toBe(0)
    expect(whole.stdout).toContain(`Key server 1 of 2: ${servers.a.url} (kas id kas-a)`)
    expect(whole.stdout).toContain(`Key server 2 of 2: ${servers.b.url} (kas id kas-b)`)
    expect(whole.stdout).toContain(
      `Conclusion: the key of this file was obtained in the window by owner@example.com, with a share from each key server (owner@example.com 1 share from ${servers.a.url} and 2 from ${servers.b.url}).`,
    )

    // Each log is verified against its own server's checkpoints and key, pinned in server order.
    const keyOf = async (s: KeyServerProcess) =>
      (await new KeyServerClient({ server: s.url, token: s.adminToken }).auditKey()).verifierKey
    const [keyA, keyB] = await Promise.all([keyOf(servers.a), keyOf(servers.b)])
    const pinned = await runInProcess(
      ['audit', 'report', policyId, '--until', liftedAt, '--key', keyA, '--key', keyB],
      admin,
    )
    expect(pinned.code, pinned.stderr).toBe(0)
    expect(
      (await runInProcess(['audit', 'report', policyId, '--until', liftedAt, '--key', keyA], admin))
        .code,
    ).toBe(64)

    // Last, as it leaves b's log tampered: b's release in the incident now names someone else.
    const db = new Database(join(dir, 'b', 'latch.db'))
    db.exec('DROP TRIGGER IF EXISTS audit_log_no_update')
    const rows = db.prepare('SELECT seq, record FROM audit_log ORDER BY seq DESC').all() as {
      seq: number
      record: Buffer
    }[]
    const release = rows.find((r) => {
      const text = r.record.toString()
      return text.includes(policyId) && text.includes('"type":"key.release"')
    })
    expect(release).toBeDefined()
    db.prepare('UPDATE audit_log SET record = ? WHERE seq = ?').run(
      Buffer.from((release as { record: Buffer }).record.toString().replace('owner@', 'other@')),
      (release as { seq: number }).seq,
    )
    db.close()
    const tampered = await runInProcess(
      ['audit', 'report', url, '--since', lockedAt, '--until', liftedAt, '--json'],
      admin,
    )
    expect(tampered.code).toBe(65)
    expect(JSON.parse(tampered.stdout).conclusion).toMatchObject({
      verdict: 'tampered',
      servers: [servers.b.url],
    })
    expect(tampered.stderr).toContain(
      `the audit log does not verify over the window on ${servers.b.url}: record ${(release as { seq: number }).seq}`,
    )
  })
})
