import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startDevProcess } from './cli-process.js'

// An incident lockdown, command by command on `latch dev`: files under two prefixes, a
// lockdown of one prefix (the owner locked out too), the report the security team hands over,
// the lift, and a file revoked on its own that stays revoked.

let dir: string
let dev: Awaited<ReturnType<typeof startDevProcess>>
let admin: Record<string, string>
let owner: Record<string, string>
let bob: Record<string, string>

const files = {
  payroll1: 's3://latch-dev/payroll/2026-01.csv',
  payroll2: 's3://latch-dev/payroll/2026-02.csv',
  revoked: 's3://latch-dev/payroll/old.csv',
  public: 's3://latch-dev/handbook/guide.txt',
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-incident-'))
  dev = await startDevProcess(join(dir, 'data'))
  admin = dev.env
  const token = async (email: string) =>
    (await runCli(['users', 'add', email], admin)).stdout.trim()
  owner = { ...admin, LATCH_TOKEN: await token('owner@example.com') }
  bob = { ...admin, LATCH_TOKEN: await token('bob@example.com') }
  writeFileSync(join(dir, 'data.txt'), 'Jane Doe, salary 100\n')
})
afterAll(async () => {
  await dev.stop()
  rmSync(dir, { recursive: true, force: true })
})

const get = async (url: string, env: Record<string, string>) =>
  (await runCli(['get', url, '-'], env)).code

describe('incident: lock down a prefix, prove nobody got a key, lift', () => {
  const policies: Record<string, string> = {}
  let rule = ''
  let lockedAt = ''
  let liftedAt = ''

  it('uploads files under two prefixes with a reader; both read them', async () => {
    for (const [name, url] of Object.entries(files)) {
      const put = await runCli(
        ['put', join(dir, 'data.txt'), url, '--share', 'bob@example.com'],
        owner,
      )
      expect(put.code, put.stderr).toBe(0)
      policies[name] = put.stdout.trim()
    }
    for (const url of Object.values(files)) {
      expect(await get(url, owner)).toBe(0)
      expect(await get(url, bob)).toBe(0)
    }
    const revoke = await runCli(['revoke', files.revoked, '--reason', 'sent by mistake'], owner)
    expect(revoke.code, revoke.stderr).toBe(0)
    expect(await get(files.revoked, owner)).toBe(77)
  })

  it('counts, then locks down one prefix: everyone there gets 77, the owner too; the other prefix works', async () => {
    const dry = await runCli(
      [
        'lockdown',
        '--bucket',
        'latch-dev',
        '--prefix',
        'payroll/',
        '--reason',
        'INC-7',
        '--dry-run',
      ],
      admin,
    )
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toBe('would cover 3 files (3 objects) now; nothing changed\n')
    expect(await runCli(['lockdown', '--all', '--reason', 'x'], owner)).toMatchObject({ code: 77 })
    lockedAt = new Date().toISOString()
    const lock = await runCli(
      [
        'lockdown',
        '--bucket',
        'latch-dev',
        '--prefix',
        'payroll/',
        '--reason',
        'INC-7 leaked laptop',
      ],
      admin,
    )
    expect(lock.code, lock.stderr).toBe(0)
    rule = lock.stdout.trim()
    expect(rule).toMatch(/^ld_[0-9a-f]{20}$/)
    for (const url of [files.payroll1, files.payroll2]) {
      expect(await get(url, owner)).toBe(77)
      expect(await get(url, bob)).toBe(77)
    }
    expect(await get(files.public, owner)).toBe(0)
    expect(await get(files.public, bob)).toBe(0)
    const list = await runCli(['lockdown', 'list'], admin)
    expect(list.stdout).toContain(rule)
    expect(list.stdout).toContain('s3://latch-dev/payroll/*')
  })

  it('reports the denials and zero releases for a locked file, on a verified chain', async () => {
    await new Promise((r) => setTimeout(r, 50))
    liftedAt = new Date().toISOString()
    const report = await runCli(
      ['audit', 'report', files.payroll1, '--since', lockedAt, '--until', liftedAt, '--json'],
      admin,
    )
    expect(report.code, report.stderr).toBe(0)
    const doc = JSON.parse(report.stdout)
    expect(doc).toMatchObject({
      policyId: policies.payroll1,
      chain: { ok: true, problems: [] },
      releases: 0,
      denials: 2,
      denialReasons: { lockdown: 2 },
    })
    expect(doc.chain.records).toBeGreaterThan(0)
    const denied = doc.events.filter((e: { type: string }) => e.type === 'key.release.denied')
    expect(denied.map((e: { actor: { email: string } }) => e.actor.email).sort()).toEqual([
      'bob@example.com',
      'owner@example.com',
    ])
    for (const e of denied) expect(e.lockdown_rules).toEqual([rule])
    const text = await runCli(
      ['audit', 'report', policies.payroll1 as string, '--since', lockedAt, '--until', liftedAt],
      admin,
    )
    expect(text.stdout).toContain('Conclusion: nobody obtained the key of this file in the window.')
    expect(text.stdout).toContain('Denied requests: 2 (lockdown 2)')
    // The same file over its whole life: the reads before the lockdown were releases.
    const life = JSON.parse(
      (await runCli(['audit', 'report', files.payroll1, '--json'], admin)).stdout,
    )
    expect(life.releases).toBe(2)
    expect(life.releasedTo).toEqual({ 'owner@example.com': 1, 'bob@example.com': 1 })
  })

  it('lifts: reads work again, and the file revoked on its own stays revoked', async () => {
    const lift = await runCli(['lockdown', 'lift', rule, '--reason', 'laptop recovered'], admin)
    expect(lift.code, lift.stderr).toBe(0)
    expect(await get(files.payroll1, owner)).toBe(0)
    expect(await get(files.payroll2, bob)).toBe(0)
    expect(await get(files.revoked, owner)).toBe(77)
    expect(await get(files.revoked, bob)).toBe(77)
    expect((await runCli(['lockdown', 'lift', rule], admin)).code).toBe(65)
    const listed = await runCli(['audit', '--action', 'lockdown.*', '--json'], admin)
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['lockdown.add', 'lockdown.lift'])
    const mine = await runCli(['audit', files.payroll1], owner)
    expect(mine.code, mine.stderr).toBe(0)
    expect(mine.stdout).toContain('denied: lockdown')
    expect((await runCli(['audit', files.payroll1], bob)).code).toBe(77)
    const verify = await runCli(['audit', 'verify'], admin)
    expect(verify.code, verify.stdout).toBe(0)
  })

  it('exports the log; the export verifies offline with only the published key, and an edit is named', async () => {
    const file = join(dir, 'audit.jsonl')
    const exported = await runCli(['audit', 'export', '-o', file], admin)
    expect(exported.code, exported.stderr).toBe(0)
    const published = (await (await fetch(`${admin.LATCH_SERVER}/v1/audit/key`)).json()) as {
      verifierKey: string
    }
    expect(exported.stderr).toContain(published.verifierKey)
    // Offline: no server, no token.
    const offline = { LATCH_SERVER: 'http://127.0.0.1:9', LATCH_TOKEN: '' }
    const ok = await runCli(
      ['audit', 'verify', '--file', file, '--key', published.verifierKey],
      offline,
    )
    expect(ok.code, ok.stdout + ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/0 unsigned/)
    expect((await runCli(['audit', 'verify', '--file', file], offline)).code).toBe(64)

    const lines = readFileSync(file, 'utf8').split('\n')
    const at = lines.findIndex(
      (l) =>
        l.includes('"seq":') &&
        Buffer.from(JSON.parse(l).record, 'base64').toString().includes('key.release"'),
    )
    const line = JSON.parse(lines[at] as string)
    const record = Buffer.from(line.record, 'base64').toString().replace('"permit"', '"deny"')
    lines[at] = JSON.stringify({ ...line, record: Buffer.from(record).toString('base64') })
    writeFileSync(join(dir, 'edited.jsonl'), lines.join('\n'))
    const edited = await runCli(
      ['audit', 'verify', '--file', join(dir, 'edited.jsonl'), '--key', published.verifierKey],
      offline,
    )
    expect(edited.code).toBe(65)
    expect(edited.stdout).toContain(`TAMPERED: first bad record ${line.seq}`)

    const otherKey = published.verifierKey.replace(
      /\+[^+]+$/,
      `+${Buffer.concat([Buffer.from([1]), Buffer.alloc(32, 7)]).toString('base64')}`,
    )
    const wrongKey = await runCli(['audit', 'verify', '--file', file, '--key', otherKey], offline)
    expect(wrongKey.code).not.toBe(0)
  })
})
