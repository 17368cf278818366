import type { ConsoleConfigView, PolicyListView } from '@latch/protocol'
import { startOidcProvider, type TestOidcProvider } from '@latch/testkit/oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// A console signs in at the server's OIDC issuer with the client id GET /console/config.json
// names, then lists what its user may see with the OIDC token (a real oidc-provider on loopback).

let idp: TestOidcProvider
const apps: TestApp[] = []

beforeAll(async () => {
  idp = await startOidcProvider({
    clients: [{ clientId: 'carol', email: 'carol@example.com', emailVerified: true, subject: 'c' }],
  })
})
afterAll(async () => {
  for (const t of apps) await t.close()
  await idp?.close()
})

async function app(config: Parameters<typeof buildTestApp>[0]): Promise<TestApp> {
  const t = await buildTestApp(config)
  apps.push(t)
  return t
}

describe('GET /console/config.json with an OIDC issuer', () => {
  it('names the issuer, the console client id and the scopes, to anyone; null without a client id', async () => {
    const oidc = { issuer: idp.issuer, audience: idp.audience }
    const withClient = await app({
      oidc,
      consoleOidcClientId: 'latch-console',
      consoleOidcScopes: 'openid email api',
    })
    const answer = await withClient.app.inject('/console/config.json')
    expect(answer.statusCode).toBe(200)
    expect(answer.json<ConsoleConfigView>()).toEqual({
      oidc: { issuer: idp.issuer, clientId: 'latch-console', scopes: 'openid email api' },
    })
    const defaults = await app({ oidc, consoleOidcClientId: 'latch-console' })
    expect((await defaults.app.inject('/console/config.json')).json()).toMatchObject({
      oidc: { scopes: 'openid email' },
    })
    const without = await app({ oidc })
    expect((await without.app.inject('/console/config.json')).json()).toEqual({ oidc: null })
  })

  it('lets an OIDC caller list the policies it owns, and no other', async () => {
    const t = await app({ oidc: { issuer: idp.issuer, audience: idp.audience } })
    const token = await idp.mintToken('carol')
    const carol = t.client(token)
    const mine = await carol.createPolicy({})
    await t.client(await t.user('dave@example.com')).createPolicy({})
    const answer = await t.app.inject({
      url: '/v1/policies',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(answer.json<PolicyListView>().items.map((p) => p.id)).toEqual([mine.id])
  })
})
