import { createServer } from 'node:net'
import { startOidcProvider, type TestOidcProvider } from '@latch/testkit/oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ConsoleFixture,
  signInWithToken,
  startConsoleFixture,
} from './helpers/console-fixture.js'

// Signing in to the console: with an API token, and with OIDC (authorization code + PKCE) at a
// real oidc-provider; the token never in an address, gone on sign-out. And the headers the key
// server serves the console with.

let fx: ConsoleFixture
let idp: TestOidcProvider

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}

beforeAll(async () => {
  // The provider must know the console's callback before the server starts, and the server the
  // provider's issuer: the server's port is chosen first.
  const port = await freePort()
  idp = await startOidcProvider({
    webClients: [
      { clientId: 'latch-console', redirectUris: [`http://127.0.0.1:${port}/console/callback`] },
    ],
    accounts: [{ email: 'olivia@example.com', subject: 'olivia-1' }],
  })
  fx = await startConsoleFixture([
    '--port',
    String(port),
    '--oidc-issuer',
    idp.issuer,
    '--oidc-audience',
    idp.audience,
    '--console-oidc-client-id',
    'latch-console',
  ])
  await fx.addUser('olivia@example.com', ['--admin', '--oidc-subject', 'olivia-1'])
})
afterAll(async () => {
  await fx?.close()
  await idp?.close()
})

describe('console sign-in', () => {
  it('is served with a strict CSP that names the OIDC issuer, and cached by hash', async () => {
    const page = await fetch(`${fx.url}/console/files/p-anything`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toBe(
      `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${idp.issuer}; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    )
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    expect(page.headers.get('cache-control')).toBe('no-store')
    const html = await page.text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/)
    expect(html).not.toMatch(/<style|style="/)
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string
    const asset = await fetch(`${fx.url}${script}`)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(asset.headers.get('content-type')).toMatch(/^application\/javascript/)
    expect((await fetch(`${fx.url}/console/assets/missing.js`)).status).toBe(404)
  })

  it('signs in with an API token, refuses a wrong one, and forgets it on sign-out', async () => {
    const page = await fx.newPage()
    await page.goto(`${fx.url}/console/`)
    await page.getByLabel('API token').fill('latch_000000000000_not-a-token')
    await page.getByRole('button', { name: 'Sign in with the token' }).click()
    await page.getByRole('alert').waitFor()
    expect(await page.getByRole('alert').textContent()).toContain('ERR_AUTH_INVALID')

    await signInWithToken(page, fx.url, fx.adminToken)
    expect(await page.getByTestId('whoami').textContent()).toBe('admin@latch.local')
    expect(page.url()).not.toContain(fx.adminToken)
    expect(await page.evaluate('sessionStorage.getItem("latch.session")')).toContain(fx.adminToken)
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'Sign in to Latch' }).waitFor()
    expect(await page.evaluate('sessionStorage.length')).toBe(0)
    await page.reload()
    await page.getByRole('heading', { name: 'Sign in to Latch' }).waitFor()
    await page.context().close()
  })

  it('signs in through OIDC with PKCE; the code leaves the address bar; the access token works', async () => {
    const page = await fx.newPage()
    const requests: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    await page.goto(`${fx.url}/console/`)
    await page.getByRole('button', { name: `Sign in with ${new URL(idp.issuer).host}` }).click()
    await page.waitForURL(`${idp.issuer}/interaction/**`)
    const authorize = new URL(requests.find((u) => u.startsWith(`${idp.issuer}/auth`)) as string)
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(authorize.searchParams.get('client_id')).toBe('latch-console')

    await page.getByLabel('Email').fill('olivia@example.com')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    expect(await page.getByTestId('whoami').textContent()).toBe('olivia@example.com')
    expect(await page.locator('.whoami').textContent()).toContain('(admin, OIDC)')
    // The callback came with a code and a state; neither stays in the address or the history.
    expect(requests.some((u) => u.startsWith(`${fx.url}/console/callback?code=`))).toBe(true)
    expect(page.url()).toBe(`${fx.url}/console/`)
    // The linked admin's OIDC token opens the admin pages.
    await page.getByRole('link', { name: 'People' }).click()
    await page.getByTestId('users').getByText('olivia@example.com').waitFor()
    const stored = JSON.parse(
      String(await page.evaluate('sessionStorage.getItem("latch.session")')),
    )
    expect(stored.via).toBe('oidc')
    const me = await fetch(`${fx.url}/v1/me`, {
      headers: { authorization: `Bearer ${stored.token}` },
    })
    expect(await me.json()).toMatchObject({
      email: 'olivia@example.com',
      scheme: 'oidc',
      role: 'admin',
    })
    expect(fx.violations).toEqual([])
  })
})
