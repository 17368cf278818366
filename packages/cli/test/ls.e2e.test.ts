import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient } from '@latch/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startDevProcess } from './cli-process.js'

// `latch ls` against `latch dev`: what each caller sees, paging up to --limit, escaped server
// text, --json, the exit codes; and the export a console downloads, verified by
// `latch audit verify --file`.

let dir: string
let dev: Awaited<ReturnType<typeof startDevProcess>>
let admin: Record<string, string>
let owner: Record<string, string>
let bob: Record<string, string>
let eve: Record<string, string>
const policies: string[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-ls-'))
  dev = await startDevProcess(join(dir, 'data'))
  admin = dev.env
  const token = async (email: string) =>
    (await runCli(['users', 'add', email], admin)).stdout.trim()
  owner = { ...admin, LATCH_TOKEN: await token('owner@example.com') }
  bob = { ...admin, LATCH_TOKEN: await token('bob@example.com') }
  eve = { ...admin, LATCH_TOKEN: await token('eve@example.com') }
  writeFileSync(join(dir, 'data.txt'), 'Jane Doe, salary 100\n')
  for (const [key, share] of [
    ['payroll/2026-01.csv', ['--share', 'bob@example.com']],
    ['payroll/2026-02.csv', ['--share', 'bob@example.com']],
    ['handbook/guide.txt', []],
  ] as const) {
    const put = await runCli(
      ['put', join(dir, 'data.txt'), `s3://latch-dev/${key}`, ...share],
      owner,
    )
    expect(put.code, put.stderr).toBe(0)
    policies.push(put.stdout.trim())
  }
  // A location whose key would rewrite the terminal if printed raw (S3 keys may hold anything).
  const client = new KeyServerClient({
    server: owner.LATCH_SERVER as string,
    token: owner.LATCH_TOKEN,
  })
  await client.addPolicyObject(policies[2] as string, {
    objectId: 'AAAAAAAAAAAAAAAAAAAAAA',
    coreHash: 'A'.repeat(43),
    bucket: 'other',
    key: 'evil\x1b[2J\rname',
  })
})
afterAll(async () => {
  await dev.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('latch ls', () => {
  it('lists what the caller may see, newest first, with server text escaped', async () => {
    const mine = await runCli(['ls'], owner)
    expect(mine.code, mine.stderr).toBe(0)
    const lines = mine.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^POLICY\s+OWNER\s+STATE\s+READERS\s+EXPIRES\s+OBJECT\s+CREATED$/)
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([...policies].reverse())
    expect(mine.stdout).toContain('s3://latch-dev/payroll/2026-01.csv')
    expect(mine.stdout).not.toContain('\x1b')
    expect(mine.stdout).not.toContain('\r')
    const evil = await runCli(['ls', '--search', 'EVIL', '--json'], owner)
    expect(JSON.parse(evil.stdout).policies[0].objects[1].key).toBe('evil\x1b[2J\rname')
    const table = await runCli(['ls', '--bucket', 'other'], owner)
    expect(table.stdout).toContain('evil\\x1b[2J\\x0dname')
    const reader = await runCli(['ls', '--json'], bob)
    expect(JSON.parse(reader.stdout)).toMatchObject({ v: 1, total: 2, more: 0 })
    expect(JSON.parse(reader.stdout).policies.map((p: { id: string }) => p.id)).toEqual([
      policies[1],
      policies[0],
    ])
    const nothing = await runCli(['ls', '--owner', 'owner@example.com'], eve)
    expect(nothing.code).toBe(0)
    expect(nothing.stdout).toBe('')
    expect(nothing.stderr).toContain('no policy matches')
    const all = await runCli(['ls', '--bucket', 'latch-dev', '--prefix', 'payroll/'], admin)
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(3)
  })

  it('pages up to --limit and says how many more match', async () => {
    const cut = await runCli(['ls', '--limit', '2'], owner)
    expect(cut.code, cut.stderr).toBe(0)
    expect(cut.stdout.trimEnd().split('\n')).toHaveLength(3)
    expect(cut.stderr).toContain('… 1 more, use --limit 3')
    const json = JSON.parse((await runCli(['ls', '--limit', '1', '--json'], owner)).stdout)
    expect(json).toMatchObject({ v: 1, total: 3, more: 2 })
    expect(json.policies).toHaveLength(1)
  })

  it('exits 64 on bad flags, 77 without a valid token', async () => {
    for (const args of [
      ['ls', '--state', 'lost'],
      ['ls', '--prefix', 'payroll/'],
      ['ls', '--limit', '0'],
      ['ls', '--label', 'team'],
      ['ls', '--owner', 'not an email'],
    ]) {
      const run = await runCli(args, owner)
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(64)
    }
    expect((await runCli(['ls'], { ...owner, LATCH_TOKEN: 'latch_nope' })).code).toBe(77)
  })
})

describe('GET /v1/audit/export', () => {
  it('downloads an export that latch audit verify --file verifies, whole or around a window', async () => {
    const server = admin.LATCH_SERVER as string
    const key = (await (await fetch(`${server}/v1/audit/key`)).json()) as { verifierKey: string }
    const sign = await fetch(`${server}/v1/audit/checkpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.LATCH_TOKEN}` },
    })
    expect(sign.status).toBe(201)
    const since = new Date().toISOString()
    expect((await runCli(['revoke', policies[0] as string, '--reason', 'audit'], owner)).code).toBe(
      0,
    )
    for (const [name, query] of [
      ['whole.jsonl', ''],
      ['window.jsonl', `?policy=${policies[0]}&since=${since}`],
    ] as const) {
      const answer = await fetch(`${server}/v1/audit/export${query}`, {
        headers: { authorization: `Bearer ${admin.LATCH_TOKEN}` },
      })
      expect(answer.status).toBe(200)
      expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="/)
      const file = join(dir, name)
      writeFileSync(file, Buffer.from(await answer.arrayBuffer()))
      const verify = await runCli(
        ['audit', 'verify', '--file', file, '--key', key.verifierKey, '--json'],
        {},
      )
      expect(verify.code, verify.stderr).toBe(0)
      expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true })
    }
    const denied = await fetch(`${server}/v1/audit/export?policy=${policies[0]}`, {
      headers: { authorization: `Bearer ${owner.LATCH_TOKEN}` },
    })
    expect(denied.status).toBe(403)
  })
})
