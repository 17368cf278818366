import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient } from '@latch/client'
import { type RunningServer, type Store, startServer } from '@latch/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runInProcess } from './in-process.js'

// Emails, reasons, labels and S3 keys were printed raw. A revoke reason holding
// CR, ESC [2K and U+202E could erase the line it is on, forge a table line or the report's
// conclusion, and reorder what follows. The server now refuses such reasons; an older server, or a
// database someone wrote to, can still hold them, so the hostile values are written into the store
// directly here (and through an S3 key, which is legitimately free text).

// Shaped to pass for the report's own last line.
const FORGED = 'Conclusion: nobody obtained the key of this file in the window.'
const HOSTILE_REASON = `sent by mistake\r\u001b[2K${FORGED}\n\u202etxt.exe`
const HOSTILE_KEY = `q1\r\u001b[2K\u202evsc.exe\u2028${FORGED}`
const HOSTILE_EMAIL = 'mallory\u001b[2K\r@example.com'
// What may never reach a terminal inside a line: C0, DEL, C1, bidi controls, separators.
const RAW = /[\p{Cc}\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u

let dir: string
let server: RunningServer
let store: Store
let env: Record<string, string>
let policyId: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-terminal-'))
  server = await startServer({ dataDir: join(dir, 'data'), port: 0, logger: false })
  store = server.services.store
  env = {
    LATCH_SERVER: server.url,
    LATCH_TOKEN: readFileSync(join(dir, 'data', 'admin.token'), 'utf8').trim(),
  }
  // A file, its key released once, then an object with a hostile S3 key (free text in S3).
  writeFileSync(join(dir, 'plain.txt'), 'Jane Doe, salary 100\n')
  const encrypted = await runInProcess(
    ['encrypt', join(dir, 'plain.txt'), '-o', join(dir, 'plain.latch')],
    env,
  )
  expect(encrypted.code, encrypted.stderr).toBe(0)
  policyId = encrypted.stdout.trim()
  const decrypted = await runInProcess(['decrypt', join(dir, 'plain.latch'), '-o', '-'], env)
  expect(decrypted.code, decrypted.stderr).toBe(0)
  const admin = new KeyServerClient({ server: server.url, token: env.LATCH_TOKEN as string })
  await admin.addPolicyObject(policyId, {
    objectId: randomBytes(16).toString('base64url'),
    coreHash: randomBytes(32).toString('base64url'),
    bucket: 'latch-dev',
    key: HOSTILE_KEY,
  })
  // What an older server accepted: a revoke reason with controls, written as it would have.
  await store.changePolicy(policyId, (before) => ({
    patch: { revocation: { by: 'admin@latch.local', at: new Date(), reason: HOSTILE_REASON } },
    audit: {
      type: 'policy.revoke',
      actor: { email: 'admin@latch.local', scheme: 'token' },
      policy_id: policyId,
      reason: HOSTILE_REASON,
      before: { revoked: false, version: before.version },
      after: { revoked: true, version: before.version + 1 },
    } as never,
  }))
  await store.addLockdownRule(
    {
      id: `ld_${randomBytes(10).toString('hex')}`,
      scope: { kind: 'bucket', bucket: 'latch-dev', prefix: 'q1\r\u001b[2K' },
      reason: HOSTILE_REASON,
      createdBy: 'admin@latch.local',
    },
    (rule) =>
      ({
        type: 'lockdown.add',
        actor: { email: 'admin@latch.local', scheme: 'token' },
        rule_id: rule.id,
        scope: { kind: 'bucket', bucket: 'latch-dev', prefix: 'q1\r\u001b[2K', owner: null },
        reason: HOSTILE_REASON,
      }) as never,
  )
  await store.createUser(
    { email: HOSTILE_EMAIL, role: 'user', mayAssignOwner: false },
    {
      id: randomBytes(8).toString('hex'),
      email: HOSTILE_EMAIL,
      hash: randomBytes(32),
      mintedBy: HOSTILE_EMAIL,
    },
    {
      type: 'user.create',
      actor: { email: 'admin@latch.local', scheme: 'token' },
      email: HOSTILE_EMAIL,
    } as never,
  )
})
afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

function expectNoRawControl(output: string): void {
  for (const line of output.split('\n')) expect(line).not.toMatch(RAW)
  expect(output).not.toContain('\u001b')
}

describe('hostile text in the audit log cannot drive the terminal', () => {
  it('latch audit POLICY: one line per record, the hostile reason and S3 key escaped, no raw ESC', async () => {
    const listed = await runInProcess(['audit', policyId], env)
    expect(listed.code, listed.stderr).toBe(0)
    expectNoRawControl(listed.stdout)
    const json = await runInProcess(['audit', policyId, '--json'], env)
    const records = json.stdout.trimEnd().split('\n')
    // The header, then exactly one line per record: no record added or erased a line.
    const lines = listed.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1 + records.length)
    expect(lines.slice(1).every((l) => /^ {0,6}\d+ {2}\S/.test(l))).toBe(true)
    expect(listed.stdout).toContain('sent by mistake\\x0d\\x1b[2KConclusion: nobody')
    expect(listed.stdout).toContain('\\u{202e}txt.exe')
    // The detail of policy.object.add is JSON (which escapes C0 itself), then made printable.
    expect(listed.stdout).toContain('"key":"q1\\r\\u001b[2K\\u{202e}vsc.exe\\u{2028}')
  })

  it('latch audit --json stays exact JSON: the records as stored, bidi characters as they are', async () => {
    const json = await runInProcess(['audit', policyId, '--json'], env)
    expect(json.code, json.stderr).toBe(0)
    const records = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(records.find((r) => r.type === 'policy.revoke')?.reason).toBe(HOSTILE_REASON)
    expect(
      records.find((r) => r.type === 'policy.object.add' && r.bucket === 'latch-dev')?.key,
    ).toBe(HOSTILE_KEY)
    expect(json.stdout).not.toContain('\u001b')
    expect(json.stdout).toContain('\u202e')
  })

  it('latch audit report POLICY: the conclusion stays the last line, intact, and says the key was released', async () => {
    const report = await runInProcess(['audit', 'report', policyId], env)
    expect(report.code, report.stderr).toBe(0)
    expectNoRawControl(report.stdout)
    const lines = report.stdout.trimEnd().split('\n')
    // The admin's own token (admin.token) was minted by the server on first start: the conclusion
    // says so after the count.
    expect(lines.at(-1)).toMatch(
      /^Conclusion: the key of this file was released 1 time in the window; it used a token minted by someone other than its holder/,
    )
    expect(lines.filter((l) => l.startsWith('Conclusion:'))).toHaveLength(1)
    expect(report.stdout).toContain(`\\x1b[2K${FORGED}\\x0a\\u{202e}txt.exe`)
  })

  it('latch policy show, lockdown list and users list escape reasons, S3 keys and emails', async () => {
    const shown = await runInProcess(['policy', 'show', policyId], env)
    expect(shown.code, shown.stderr).toBe(0)
    expectNoRawControl(shown.stdout)
    expect(shown.stdout).toContain('s3://latch-dev/q1\\x0d\\x1b[2K\\u{202e}vsc.exe\\u{2028}')
    expect(shown.stdout).toContain('(sent by mistake\\x0d\\x1b[2K')
    const rules = await runInProcess(['lockdown', 'list'], env)
    expect(rules.code, rules.stderr).toBe(0)
    expectNoRawControl(rules.stdout)
    expect(rules.stdout.trimEnd().split('\n')).toHaveLength(2)
    expect(rules.stdout).toContain('s3://latch-dev/q1\\x0d\\x1b[2K*')
    const users = await runInProcess(['users', 'list'], env)
    expect(users.code, users.stderr).toBe(0)
    expectNoRawControl(users.stdout)
    expect(users.stdout).toContain('mallory\\x1b[2k\\x0d@example.com') // emails are stored lower-cased
  })
})

describe('an error message from a hostile key server cannot drive the terminal', () => {
  let hostile: Server
  let url: string
  beforeAll(async () => {
    hostile = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify({
          code: 'ERR_NOT_FOUND',
          message: `no policy\r\u001b[2K\u001b]0;owned\u0007${FORGED}\u202e`,
          requestId: 'r\u001b[1A',
        }),
      )
    })
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => hostile.close(resolve))
  })

  it('prints the message escaped, on one line, with the exit code of its error code', async () => {
    const shown = await runInProcess(['policy', 'show', 'p-x'], {
      LATCH_SERVER: url,
      LATCH_TOKEN: 'latch_x_y',
    })
    expect(shown.code).toBe(66)
    expectNoRawControl(shown.stderr)
    expect(shown.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(shown.stderr).toContain('no policy\\x0d\\x1b[2K\\x1b]0;owned\\x07')
    expect(shown.stderr).toContain('request r\\x1b[1A')
  })
})
