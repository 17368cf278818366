import { type KeyServerClient, type KeyServerError, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import { startOidcProvider, type TestOidcProvider } from '@latch/testkit/oidc-provider'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encryptFor } from './helpers/encrypt-for.js'
import { buildTestApp, type TestApp } from './helpers/test-app.js'

// An OIDC token is an identity only with a verified email, and a built-in user's role goes only to
// the OIDC account an admin linked to that user. Every token below comes from a real oidc-provider
// on loopback (client_credentials), except the preferred_username ones, which it cannot issue and
// which are signed with its published key.

const ADMIN = 'admin@test.local'

let idp: TestOidcProvider
let t: TestApp
let owner: KeyServerClient
let policyId: string
const tokens: Record<string, string> = {}

beforeAll(async () => {
  idp = await startOidcProvider({
    clients: [
      { clientId: 'admin-linked', email: 'Admin@Test.Local', emailVerified: true, subject: 'adm' },
      { clientId: 'admin-impostor', email: ADMIN, emailVerified: true, subject: 'not-adm' },
      { clientId: 'admin-unverified', email: ADMIN, emailVerified: false, subject: 'adm' },
      { clientId: 'admin-no-verified', email: ADMIN, subject: 'adm' },
      { clientId: 'admin-string-verified', email: ADMIN, emailVerified: 'true', subject: 'adm' },
      { clientId: 'ops', email: 'ops@example.com', emailVerified: true, subject: 'ops' },
      { clientId: 'owner', email: 'owner@example.com', emailVerified: true, subject: 'own' },
      { clientId: 'owner-unverified', email: 'owner@example.com', subject: 'x' },
      { clientId: 'owner-string-verified', email: 'owner@example.com', emailVerified: 'true' },
      { clientId: 'dave', email: 'Dave@Example.COM', emailVerified: true, subject: 'dave' },
    ],
  })
  t = await buildTestApp({ oidc: { issuer: idp.issuer, audience: idp.audience } })
  await t.user('ops@example.com', { admin: true, mayAssignOwner: true })
  owner = t.client(await t.user('owner@example.com'))
  policyId = (await owner.createPolicy({})).id
  await t.user('dave@example.com')
  await t.client(t.adminToken).disableUser('dave@example.com')
  await t.client(t.adminToken).linkUserOidc(ADMIN, 'adm')
  for (const id of [
    'admin-linked',
    'admin-impostor',
    'admin-unverified',
    'admin-no-verified',
    'admin-string-verified',
    'ops',
    'owner',
    'owner-unverified',
    'owner-string-verified',
    'dave',
  ]) {
    tokens[id] = await idp.mintToken(id)
  }
})

afterAll(async () => {
  await t?.close()
  await idp?.close()
})

const as = (client: string) => t.client(tokens[client])

async function status(promise: Promise<unknown>): Promise<number | string> {
  return promise.then(
    () => 200,
    (e: KeyServerError) => `${e.status} ${e.code}`,
  )
}

/** Decrypts a fresh object of the owner's policy with `who`: 200, or the status and code. */
async function read(who: KeyServerClient): Promise<number | string> {
  const { object } = await encryptFor(owner, policyId, Buffer.from('secret'))
  const kasId = (await owner.keys()).kasId
  return status(decryptBuffer(object, keyServerResolver({ [kasId]: who })))
}

describe('OIDC identities need a verified email and a linked account for a role', () => {
  it('refuses the admin’s email unverified (false or absent), and does not make it admin', async () => {
    for (const client of ['admin-unverified', 'admin-no-verified']) {
      expect(await status(as(client).me())).toBe('401 ERR_AUTH_INVALID')
      expect(await status(as(client).listUsers())).toBe('401 ERR_AUTH_INVALID')
    }
  })

  it('refuses email_verified given as the string "true"', async () => {
    expect(await status(as('admin-string-verified').me())).toBe('401 ERR_AUTH_INVALID')
    expect(await status(as('owner-string-verified').me())).toBe('401 ERR_AUTH_INVALID')
  })

  it('gives the verified email of an unlinked admin plain user rights: 403 on admin routes, no key it is not a reader of', async () => {
    expect(await as('ops').me()).toMatchObject({
      email: 'ops@example.com',
      role: 'user',
      scheme: 'oidc',
    })
    expect(await status(as('ops').listUsers())).toBe('403 ERR_ACCESS_FORBIDDEN')
    expect(await status(as('ops').lockdown({ all: true, reason: 'x', dryRun: true }))).toBe(
      '403 ERR_ACCESS_FORBIDDEN',
    )
    // Not a service account through OIDC either.
    expect(await status(as('ops').createPolicy({ owner: 'owner@example.com' }))).toBe(
      '403 ERR_ACCESS_FORBIDDEN',
    )
    expect(await read(as('ops'))).toBe('403 ERR_ACCESS_DENIED')
  })

  it('gives the linked account the admin’s role, whatever the case of its email', async () => {
    expect(await as('admin-linked').me()).toMatchObject({ email: ADMIN, role: 'admin' })
    const { users } = await as('admin-linked').listUsers()
    expect(users.find((u) => u.email === ADMIN)?.oidc).toEqual({
      issuer: idp.issuer,
      subject: 'adm',
    })
    const [link] = (await t.client(t.adminToken).auditEvents({ type: 'user.link' })).events
    expect(link).toMatchObject({
      email: ADMIN,
      before: null,
      oidc: { iss: idp.issuer, sub: 'adm' },
      actor: { email: ADMIN },
    })
  })

  it('refuses another account that claims the linked admin’s email', async () => {
    expect(await status(as('admin-impostor').me())).toBe('401 ERR_AUTH_INVALID')
    expect(await status(as('admin-impostor').listUsers())).toBe('401 ERR_AUTH_INVALID')
  })

  it('releases no key to the owner’s email unverified (401), and does to the verified one', async () => {
    expect(await read(as('owner-unverified'))).toBe('401 ERR_AUTH_INVALID')
    expect(await read(as('owner'))).toBe(200)
  })

  it('refuses a disabled user’s email in another case', async () => {
    expect(await status(as('dave').me())).toBe('401 ERR_AUTH_INVALID')
  })

  it('lets no OIDC caller mint an API token, the linked admin included', async () => {
    expect(await status(as('owner').mintToken())).toBe('403 ERR_ACCESS_FORBIDDEN')
    expect(await status(as('admin-linked').mintToken('owner@example.com'))).toBe(
      '403 ERR_ACCESS_FORBIDDEN',
    )
  })

  it('links only through an admin, to one user per account, with a well-formed subject', async () => {
    const admin = t.client(t.adminToken)
    expect(await status(owner.linkUserOidc('owner@example.com', 'own'))).toBe(
      '403 ERR_ACCESS_FORBIDDEN',
    )
    expect(await status(admin.linkUserOidc('owner@example.com', 'adm'))).toBe('409 ERR_CONFLICT')
    expect(await status(admin.linkUserOidc('nobody@example.com', 'nobody'))).toBe(
      '404 ERR_NOT_FOUND',
    )
    expect(await status(admin.linkUserOidc('owner@example.com', ''))).toBe(
      '400 ERR_REQUEST_INVALID',
    )
    expect(await status(admin.linkUserOidc('owner@example.com', 'a\u00e9'))).toBe(
      '400 ERR_REQUEST_INVALID',
    )
    expect(await status(admin.linkUserOidc('owner@example.\u212aom', 'own'))).toBe(
      '400 ERR_REQUEST_INVALID',
    )
    expect(await status(admin.createUser('new@example.com', { oidcSubject: 'adm' }))).toBe(
      '409 ERR_CONFLICT',
    )
    await admin.createUser('carol@example.com', { admin: true, oidcSubject: 'carol' })
    const carol = t.client(await idp.signToken({ email: 'carol@example.com', sub: 'carol' }))
    expect(await carol.me()).toMatchObject({ email: 'carol@example.com', role: 'admin' })
    const created = (await admin.auditEvents({ type: 'user.create' })).events.at(-1)
    expect(created).toMatchObject({
      email: 'carol@example.com',
      oidc: { iss: idp.issuer, sub: 'carol' },
    })
  })
})

describe('OIDC options', () => {
  it('lets OIDC callers mint their own API token with oidcMayMintTokens', async () => {
    const app = await buildTestApp({
      oidc: { issuer: idp.issuer, audience: idp.audience },
      oidcMayMintTokens: true,
    })
    try {
      // An API token belongs to a built-in user.
      await app.user('owner@example.com')
      const minted = await app.client(tokens.owner).mintToken()
      expect(minted.email).toBe('owner@example.com')
      expect(await app.client(minted.token).me()).toMatchObject({
        email: 'owner@example.com',
        scheme: 'token',
        mintedBy: null,
      })
    } finally {
      await app.close()
    }
  })

  it('lower-cases another identity claim, so a disabled user cannot come back in another case', async () => {
    const app = await buildTestApp({
      oidc: { issuer: idp.issuer, audience: idp.audience, identityClaim: 'preferred_username' },
    })
    try {
      await app.user('dave@example.com')
      await app.client(app.adminToken).disableUser('dave@example.com')
      const named = (name: string) =>
        idp.signToken({ preferred_username: name, email: undefined, email_verified: undefined })
      expect(await status(app.client(await named('DAVE@example.com')).me())).toBe(
        '401 ERR_AUTH_INVALID',
      )
      expect(await app.client(await named('Erin@Example.com')).me()).toMatchObject({
        email: 'erin@example.com',
        role: 'user',
      })
      for (const name of ['System', 'unauthenticated', 'erin\u202e', 'er in', 'x'.repeat(321)]) {
        expect(await status(app.client(await named(name)).me()), name).toBe('401 ERR_AUTH_INVALID')
      }
    } finally {
      await app.close()
    }
  })
})
