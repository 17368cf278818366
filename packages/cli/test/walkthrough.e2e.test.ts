import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, startDevProcess } from './cli-process.js'

// The README's walkthrough, command by command, on `latch dev` (key server + s3rver), plus the
// exit codes of the CLI contract for the everyday commands.

let dir: string
let dev: Awaited<ReturnType<typeof startDevProcess>>
let env: Record<string, string>
let bob: string
let eve: string
const data = Buffer.from(`Jane Doe, 1 Main St, account 12345678\n${'x'.repeat(200_000)}`)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latch-walk-'))
  dev = await startDevProcess(join(dir, 'data'))
  env = dev.env
  bob = (await runCli(['users', 'add', 'bob@example.com'], env)).stdout.trim()
  eve = (await runCli(['users', 'add', 'eve@example.com'], env)).stdout.trim()
  writeFileSync(join(dir, 'claim.txt'), data)
})
afterAll(async () => {
  await dev.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('the README walkthrough on latch dev', () => {
  it('prints the export lines, and the admin token works', async () => {
    expect(Object.keys(env)).toEqual([
      'LATCH_SERVER',
      'LATCH_TOKEN',
      'AWS_ENDPOINT_URL_S3',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_REGION',
    ])
    expect(bob).toMatch(/^latch_/)
  })

  it('puts a file with a reader; the owner and the reader get it, an outsider gets 77, S3 holds ciphertext', async () => {
    const put = await runCli(
      [
        'put',
        join(dir, 'claim.txt'),
        's3://latch-dev/claims/claim.txt',
        '--share',
        'bob@example.com',
      ],
      env,
    )
    expect(put.code, put.stderr).toBe(0)
    expect(put.stdout).toMatch(/^p-[A-Za-z0-9_-]{22}\n$/)
    expect(put.stderr).toBe('')
    const mine = await runCli(
      ['get', 's3://latch-dev/claims/claim.txt', join(dir, 'mine.txt')],
      env,
    )
    expect(mine.code, mine.stderr).toBe(0)
    expect(readFileSync(join(dir, 'mine.txt')).equals(data)).toBe(true)
    const bobs = await runCli(['get', 's3://latch-dev/claims/claim.txt', '-'], {
      ...env,
      LATCH_TOKEN: bob,
    })
    expect(bobs.code).toBe(0)
    expect(bobs.stdoutBytes.equals(data)).toBe(true)
    const eves = await runCli(['get', 's3://latch-dev/claims/claim.txt', join(dir, 'eve.txt')], {
      ...env,
      LATCH_TOKEN: eve,
    })
    expect(eves.code).toBe(77)
    expect(eves.stderr.trim().split('\n')).toHaveLength(1)
    expect(eves.stderr).toContain('ERR_ACCESS_DENIED')
    expect(existsSync(join(dir, 'eve.txt'))).toBe(false)
    const stored = readFileSync(
      join(dir, 'data', 's3', 'latch-dev', 'claims', 'claim.txt._S3rver_object'),
    )
    expect(stored.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x4c, 0x54, 0x43]))
    expect(stored.includes(Buffer.from('Jane Doe'))).toBe(false)
    const show = await runCli(['policy', 'show', 's3://latch-dev/claims/claim.txt', '--json'], env)
    expect(JSON.parse(show.stdout).policy).toMatchObject({
      id: put.stdout.trim(),
      readers: ['bob@example.com'],
      objects: [{ bucket: 'latch-dev', key: 'claims/claim.txt' }],
    })
    const human = await runCli(['policy', 'show', put.stdout.trim()], env)
    expect(human.stdout).toMatch(/readers\s+bob@example.com/)
  })

  it('gets byte ranges, reads stdin and writes stdout, and answers --json', async () => {
    const put = await runCli(
      ['put', '-', 's3://latch-dev/stdin.bin', '--json', '--expires', '30d'],
      env,
      data,
    )
    expect(put.code, put.stderr).toBe(0)
    const doc = JSON.parse(put.stdout)
    expect(doc).toMatchObject({ v: 1, bucket: 'latch-dev', key: 'stdin.bin', size: data.length })
    const range = await runCli(['get', 's3://latch-dev/stdin.bin', '-', '--range', '10-19'], env)
    expect(range.stdoutBytes.equals(data.subarray(10, 20))).toBe(true)
    const suffix = await runCli(['get', 's3://latch-dev/stdin.bin', '-', '--range', '-7'], env)
    expect(suffix.stdoutBytes.equals(data.subarray(data.length - 7))).toBe(true)
    expect(
      (await runCli(['get', 's3://latch-dev/stdin.bin', '-', '--range', 'abc'], env)).code,
    ).toBe(64)
  })

  it('encrypts and decrypts local files: policy id on stdout, or stderr when the object goes to stdout', async () => {
    const toFile = await runCli(
      ['encrypt', join(dir, 'claim.txt'), '-o', join(dir, 'claim.latch')],
      env,
    )
    expect(toFile.stdout).toMatch(/^p-/)
    const toStdout = await runCli(['encrypt', '-', '-o', '-'], env, data)
    expect(toStdout.stderr).toMatch(/^p-/)
    expect(toStdout.stdoutBytes.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x4c, 0x54, 0x43]))
    const back = await runCli(
      ['decrypt', join(dir, 'claim.latch'), '-o', join(dir, 'back.txt')],
      env,
    )
    expect(back.code, back.stderr).toBe(0)
    expect(readFileSync(join(dir, 'back.txt')).equals(data)).toBe(true)
    const piped = await runCli(
      ['decrypt', '-', '-o', '-'],
      { ...env, LATCH_TOKEN: bob },
      toStdout.stdoutBytes,
    )
    expect(piped.code).toBe(77)
  })

  it('exits 65 for a modified object (no output file) and for a plain object, 69 when a service is down, 77 for a wrong token', async () => {
    await runCli(['put', join(dir, 'claim.txt'), 's3://latch-dev/tampered.txt'], env)
    const file = join(dir, 'data', 's3', 'latch-dev', 'tampered.txt._S3rver_object')
    const bytes = readFileSync(file)
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 0x01
    writeFileSync(file, bytes)
    const tampered = await runCli(
      ['get', 's3://latch-dev/tampered.txt', join(dir, 'tampered.out')],
      env,
    )
    expect(tampered.code).toBe(65)
    expect(tampered.stderr).toContain('ERR_FORMAT_DECRYPT_FAILED')
    expect(existsSync(join(dir, 'tampered.out'))).toBe(false)
    writeFileSync(join(dir, 'plain.txt'), 'not encrypted')
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3')
    const raw = new S3Client({
      endpoint: env.AWS_ENDPOINT_URL_S3 as string,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    })
    await raw.send(
      new PutObjectCommand({ Bucket: 'latch-dev', Key: 'plain.txt', Body: 'not encrypted' }),
    )
    const plain = await runCli(['get', 's3://latch-dev/plain.txt', '-'], env)
    expect(plain.code).toBe(65)
    expect(plain.stderr).toContain('is not a Latch object')
    const noS3 = await runCli(['get', 's3://latch-dev/claims/claim.txt', '-'], {
      ...env,
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    })
    expect(noS3.code).toBe(69)
    const noKs = await runCli(['put', join(dir, 'claim.txt'), 's3://latch-dev/x'], {
      ...env,
      LATCH_SERVER: 'http://127.0.0.1:9',
    })
    expect(noKs.code).toBe(69)
    const badToken = await runCli(['get', 's3://latch-dev/claims/claim.txt', '-'], {
      ...env,
      LATCH_TOKEN: `${bob}x`,
    })
    expect(badToken.code).toBe(77)
    expect((await runCli(['get', 's3://latch-dev/missing', '-'], env)).code).toBe(66)
    expect((await runCli(['put', join(dir, 'nope'), 's3://latch-dev/x'], env)).code).toBe(66)
    expect((await runCli(['put', join(dir, 'claim.txt'), 'latch-dev/x'], env)).code).toBe(64)
    for (const r of [tampered, plain, noS3, noKs, badToken])
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1)
  })

  it('shares, unshares, expires, revokes (owner too) and unrevokes, each effective at once', async () => {
    const url = 's3://latch-dev/changes.txt'
    expect((await runCli(['put', join(dir, 'claim.txt'), url], env)).code).toBe(0)
    const asBob = { ...env, LATCH_TOKEN: bob }
    expect((await runCli(['get', url, '-'], asBob)).code).toBe(77)
    const share = await runCli(['share', url, 'bob@example.com'], env)
    expect(share.code, share.stderr).toBe(0)
    expect(share.stderr).toMatch(/readers bob@example.com \(version \d+\)/)
    expect((await runCli(['get', url, '-'], asBob)).code).toBe(0)
    expect((await runCli(['revoke', url, '--reason', 'incident'], env)).code).toBe(0)
    expect((await runCli(['get', url, '-'], asBob)).code).toBe(77)
    expect((await runCli(['get', url, '-'], env)).code).toBe(77)
    expect((await runCli(['revoke', url], env)).code).toBe(65)
    expect((await runCli(['unrevoke', url], asBob)).code).toBe(77)
    expect((await runCli(['unrevoke', url], env)).code).toBe(0)
    expect((await runCli(['get', url, '-'], asBob)).code).toBe(0)
    const expire = await runCli(['expire', url, 'never', '--json'], env)
    expect(JSON.parse(expire.stdout).policy.expiresAt).toBeNull()
    expect((await runCli(['expire', url, 'soon'], env)).code).toBe(64)
    expect((await runCli(['unshare', url, 'bob@example.com'], env)).code).toBe(0)
    expect((await runCli(['get', url, '-'], asBob)).code).toBe(77)
    expect((await runCli(['revoke', 'p-doesnotexist'], env)).code).toBe(66)
  })

  it('logs in: the saved server and token replace the environment', async () => {
    const home = join(dir, 'home')
    const login = await runCli(
      ['login', '--server', env.LATCH_SERVER as string],
      { HOME: home, XDG_CONFIG_HOME: '', LATCH_SERVER: '', LATCH_TOKEN: '' },
      `${bob}\n`,
    )
    expect(login.code, login.stderr).toBe(0)
    expect(login.stderr).toContain('bob@example.com')
    const get = await runCli(['get', 's3://latch-dev/claims/claim.txt', '-'], {
      ...env,
      HOME: home,
      XDG_CONFIG_HOME: '',
      LATCH_SERVER: '',
      LATCH_TOKEN: '',
    })
    expect(get.code, get.stderr).toBe(0)
    expect(get.stdoutBytes.equals(data)).toBe(true)
  })
})
