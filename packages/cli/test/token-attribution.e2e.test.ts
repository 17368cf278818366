import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient } from '@latch/client'
import { type KeyServerProcess, startKeyServerProcess } from '@latch/testkit/key-server-process'
import { startOidcProvider, type TestOidcProvider } from '@latch/testkit/oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './cli-process.js'

// `latch users add` hands out a token the admin knows; every key released with
// it names the admin, `latch audit report` says so, and `latch token rotate` ends it.

const dirs: string[] = []
const running: KeyServerProcess[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latch-e2e-identity-'))
  dirs.push(dir)
  return dir
}

const TOKEN = /^latch_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}\n$/
const ADMIN = 'admin@latch.local'

let idp: TestOidcProvider
beforeAll(async () => {
  idp = await startOidcProvider({
    clients: [{ clientId: 'bob', email: 'bob@example.com', emailVerified: true, subject: 'bob-1' }],
  })
})
afterAll(async () => {
  for (const s of running) s.child.kill('SIGKILL')
  await idp?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function serve(extra: string[] = []) {
  const dir = tempDir()
  const server = await startKeyServerProcess(dir, [
    '--oidc-issuer',
    idp.issuer,
    '--oidc-audience',
    idp.audience,
    ...extra,
  ])
  running.push(server)
  const token = readFileSync(join(dir, 'admin.token'), 'utf8').trim()
  return { dir, url: server.url, admin: { LATCH_SERVER: server.url, LATCH_TOKEN: token } }
}

describe('keys released with a token an admin minted', () => {
  it('are flagged by latch audit report until the user rotates the token', async () => {
    const { dir, url, admin } = await serve()
    const added = await runCli(['users', 'add', 'bob@example.com'], admin)
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toMatch(TOKEN)
    expect(added.stderr).toContain('latch token rotate')
    const byAdmin = { LATCH_SERVER: url, LATCH_TOKEN: added.stdout.trim() }

    const plain = join(dir, 'plain.txt')
    writeFileSync(plain, 'for bob only')
    const encrypted = await runCli(['encrypt', plain, '-o', join(dir, 'plain.latch')], byAdmin)
    expect(encrypted.code, encrypted.stderr).toBe(0)
    const policy = encrypted.stdout.trim()
    const decrypt = (env: Record<string, string>) =>
      runCli(['decrypt', join(dir, 'plain.latch'), '-o', '-'], env)
    expect((await decrypt(byAdmin)).stdout).toBe('for bob only')

    const json = await runCli(['audit', 'report', policy, '--json'], admin)
    expect(json.code, json.stderr).toBe(0)
    const doc = JSON.parse(json.stdout)
    expect(doc).toMatchObject({
      releases: 1,
      releasedTo: { 'bob@example.com': 1 },
      foreignTokenReleases: [
        { recipient: 'bob@example.com', mintedBy: ADMIN, releases: 1, seqs: [expect.any(Number)] },
      ],
    })
    const release = doc.events.find((e: { type: string }) => e.type === 'key.release')
    expect(release.actor).toMatchObject({ email: 'bob@example.com', minted_by: ADMIN })

    const text = await runCli(['audit', 'report', policy], admin)
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain(
      `1 of bob@example.com's releases used a token minted by ${ADMIN}, who may have used it`,
    )
    expect(text.stdout).toContain(`bob@example.com (token minted by ${ADMIN})`)
    const conclusion = text.stdout.trim().split('\n').at(-1)
    expect(conclusion).toMatch(
      /^Conclusion: the key of this file was released 1 time in the window; /,
    )
    expect(conclusion).toContain('may not be the only ones who obtained the key')

    // latch token rotate: only the new token on stdout; the old one is dead.
    const rotated = await runCli(['token', 'rotate'], byAdmin)
    expect(rotated.code, rotated.stderr).toBe(0)
    expect(rotated.stdout).toMatch(TOKEN)
    expect(rotated.stderr).toContain('set LATCH_TOKEN')
    const own = { LATCH_SERVER: url, LATCH_TOKEN: rotated.stdout.trim() }
    const dead = await runCli(['policy', 'show', policy], byAdmin)
    expect(dead.code).toBe(77)
    expect(dead.stderr).toContain('ERR_AUTH_INVALID')
    expect((await decrypt(own)).stdout).toBe('for bob only')

    const after = JSON.parse((await runCli(['audit', 'report', policy, '--json'], admin)).stdout)
    expect(after).toMatchObject({ releases: 2, releasedTo: { 'bob@example.com': 2 } })
    expect(after.foreignTokenReleases).toEqual(doc.foreignTokenReleases)
    const last = after.events.filter((e: { type: string }) => e.type === 'key.release').at(-1)
    expect(last.actor).not.toHaveProperty('minted_by')
  })

  it('latch login warns about an admin-minted token, and latch token rotate replaces the saved one', async () => {
    const { url, admin } = await serve()
    const recovered = await new KeyServerClient({
      server: url,
      token: admin.LATCH_TOKEN,
    }).createUser('carol@example.com')
    const home = { XDG_CONFIG_HOME: tempDir(), LATCH_SERVER: '', LATCH_TOKEN: '' }
    const login = await runCli(['login', '--server', url, '--token', recovered.token], home)
    expect(login.code, login.stderr).toBe(0)
    expect(login.stderr).toContain(`this token was minted by ${ADMIN}`)
    const rotated = await runCli(['token', 'rotate'], home)
    expect(rotated.code, rotated.stderr).toBe(0)
    const saved = JSON.parse(
      readFileSync(join(home.XDG_CONFIG_HOME, 'latch', 'config.json'), 'utf8'),
    )
    expect(`${saved.token}\n`).toBe(rotated.stdout)
    const me = await new KeyServerClient({ server: url, token: saved.token }).me()
    expect(me).toMatchObject({ email: 'carol@example.com', mintedBy: null })
  })
})

describe('OIDC accounts from the command line', () => {
  it('latch users link and users add --oidc-subject give the linked account the role; no API token for OIDC callers unless --oidc-may-mint-tokens', async () => {
    const { admin, url } = await serve()
    expect((await runCli(['users', 'add', 'bob@example.com', '--admin'], admin)).code).toBe(0)
    const oidcBob = await idp.mintToken('bob')
    const bob = new KeyServerClient({ server: url, token: oidcBob })
    expect(await bob.me()).toMatchObject({ role: 'user', scheme: 'oidc' })
    const linked = await runCli(['users', 'link', 'bob@example.com', 'bob-1'], admin)
    expect(linked.code, linked.stderr).toBe(0)
    expect(await bob.me()).toMatchObject({ role: 'admin', scheme: 'oidc' })
    const carol = await runCli(
      ['users', 'add', 'carol@example.com', '--oidc-subject', 'bob-1'],
      admin,
    )
    expect(carol.code).toBe(65) // ERR_CONFLICT: the account is bob's
    const listed = JSON.parse((await runCli(['users', 'list', '--json'], admin)).stdout)
    expect(listed.users.find((u: { email: string }) => u.email === 'bob@example.com').oidc).toEqual(
      {
        issuer: idp.issuer,
        subject: 'bob-1',
      },
    )
    const refused = await runCli(['token', 'rotate'], { LATCH_SERVER: url, LATCH_TOKEN: oidcBob })
    expect(refused.code).toBe(64)
    expect(await bob.mintToken().catch((e: { code: string }) => e.code)).toBe(
      'ERR_ACCESS_FORBIDDEN',
    )

    const allowing = await serve(['--oidc-may-mint-tokens'])
    expect((await runCli(['users', 'add', 'bob@example.com'], allowing.admin)).code).toBe(0)
    const minted = await new KeyServerClient({ server: allowing.url, token: oidcBob }).mintToken()
    expect(`${minted.token}\n`).toMatch(TOKEN)
  })
})
