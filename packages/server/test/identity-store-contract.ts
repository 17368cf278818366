import { describe, expect, it } from 'vitest'
import { auditEvent } from '../src/audit/audit-event.js'
import { authenticate } from '../src/auth/authenticate.js'
import { SYSTEM_IDENTITY } from '../src/auth/identity.js'
import { ServerError } from '../src/errors.js'
import { hashApiToken } from '../src/identity/api-token.js'
import type { UserRecord } from '../src/store/records.js'
import type { Store } from '../src/store/store.js'
import type { OpenStore } from './store-contract.js'

const draft = (n: number) => auditEvent('server.start', SYSTEM_IDENTITY, undefined, { n })
const ISS = 'https://idp.example.com'

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(ServerError)
    return (error as ServerError).code
  }
}

/** A database written before the identity migration: its users, tokens and audit records. */
export const LEGACY = {
  users: ['admin@x.org', 'bob@x.org', 'carol@x.org'],
  /** id, user, the bearer secret (its hash is stored). */
  tokens: [
    { id: 'tokadmin0001', email: 'admin@x.org', token: 'latch_tokadmin0001_a' },
    { id: 'tokbob000001', email: 'bob@x.org', token: 'latch_tokbob000001_b' },
    { id: 'tokbob000002', email: 'bob@x.org', token: 'latch_tokbob000002_c' },
    { id: 'tokcarol0001', email: 'carol@x.org', token: 'latch_tokcarol0001_d' },
  ],
  /** The records that name the tokens (none names carol's). */
  records: [
    {
      type: 'user.create',
      actor: { email: 'system' },
      email: 'admin@x.org',
      token_id: 'tokadmin0001',
    },
    {
      type: 'user.create',
      actor: { email: 'admin@x.org' },
      email: 'bob@x.org',
      token_id: 'tokbob000001',
    },
    { type: 'token.revoke', actor: { email: 'carol@x.org' }, token_id: 'tokbob000002' },
    {
      type: 'token.create',
      actor: { email: 'bob@x.org' },
      email: 'bob@x.org',
      token_id: 'tokbob000002',
    },
    {
      type: 'token.create',
      actor: { email: 'mallory@x.org' },
      email: 'bob@x.org',
      token_id: 'tokbob000002',
    },
  ],
}

/**
 * What the identity migration must make of {@link LEGACY}: each token's minter from the first
 * record that created it (`token.revoke` does not), NULL without one; and what authentication
 * then says.
 */
export async function expectLegacyMigrated(store: Store): Promise<void> {
  const minted = async (email: string) =>
    Object.fromEntries((await store.listTokens(email)).map((t) => [t.id, t.mintedBy]))
  expect(await minted('admin@x.org')).toEqual({ tokadmin0001: 'system' })
  expect(await minted('bob@x.org')).toEqual({
    tokbob000001: 'admin@x.org',
    tokbob000002: 'bob@x.org',
  })
  expect(await minted('carol@x.org')).toEqual({ tokcarol0001: undefined })
  const mintedBy = async (token: string) =>
    (await authenticate(`Bearer ${token}`, store, undefined)).mintedBy
  expect(await mintedBy('latch_tokadmin0001_a')).toBe('system')
  expect(await mintedBy('latch_tokbob000001_b')).toBe('admin@x.org')
  expect(await mintedBy('latch_tokbob000002_c')).toBeUndefined()
  expect(await mintedBy('latch_tokcarol0001_d')).toBe('unknown')
  expect((await store.listUsers()).map((u) => u.oidc)).toEqual([undefined, undefined, undefined])
}

/** The hash a legacy token is stored by. */
export const legacyHash = (token: string) => hashApiToken(token)

/**
 * The identity part of the store contract: token minters, OIDC links, lower-cased lookups. Both
 * stores run it (`identity-store-sqlite.unit.test.ts`,
 * `identity-store-postgres.integration.test.ts`).
 */
export function describeIdentityStoreContract(name: string, open: OpenStore): void {
  describe(`store contract, identities: ${name}`, () => {
    it('keeps who minted each token, and finds users and tokens by any case of their email', async () => {
      const store = await open()
      const user = await store.createUser(
        { email: 'Ann@X.org', role: 'user', mayAssignOwner: false },
        {
          id: 'tokann000001',
          email: 'Ann@X.org',
          hash: hashApiToken('a1'),
          mintedBy: 'root@x.org',
        },
        draft(1),
      )
      expect(user).toMatchObject({ email: 'ann@x.org', oidc: undefined })
      await store.addToken(
        { id: 'tokann000002', email: 'ANN@x.org', hash: hashApiToken('a2'), mintedBy: 'ann@x.org' },
        draft(2),
      )
      expect((await store.findUser('aNN@x.ORG'))?.email).toBe('ann@x.org')
      expect((await store.listTokens('Ann@x.org')).map((t) => [t.id, t.email, t.mintedBy])).toEqual(
        [
          ['tokann000001', 'ann@x.org', 'root@x.org'],
          ['tokann000002', 'ann@x.org', 'ann@x.org'],
        ],
      )
      expect((await store.findLiveToken(hashApiToken('a1')))?.token.mintedBy).toBe('root@x.org')
      expect((await store.disableUser('ANN@X.ORG', draft(3))).email).toBe('ann@x.org')
      await store.close()
    })

    it('links a user to one OIDC account, which no other user may hold', async () => {
      const store = await open()
      const add = (email: string, n: number, oidc?: { issuer: string; subject: string }) =>
        store.createUser(
          { email, role: 'admin', mayAssignOwner: true, ...(oidc === undefined ? {} : { oidc }) },
          { id: `tok${n}`.padEnd(12, '0'), email, hash: hashApiToken(email), mintedBy: 'system' },
          draft(n),
        )
      expect((await add('a@x.org', 1, { issuer: ISS, subject: 's-a' })).oidc).toEqual({
        issuer: ISS,
        subject: 's-a',
      })
      await add('b@x.org', 2)
      expect(await codeOf(add('c@x.org', 3, { issuer: ISS, subject: 's-a' }))).toBe('ERR_CONFLICT')
      expect(await store.findUser('c@x.org')).toBeUndefined()

      let seen: UserRecord | undefined
      const linked = await store.linkUserOidc('B@x.org', { issuer: ISS, subject: 's-b' }, (b) => {
        seen = b
        return draft(4)
      })
      expect(seen?.oidc).toBeUndefined()
      expect(linked.oidc).toEqual({ issuer: ISS, subject: 's-b' })
      expect((await store.findLiveToken(hashApiToken('b@x.org')))?.user.oidc).toEqual({
        issuer: ISS,
        subject: 's-b',
      })
      // Relinking replaces; the same subject at another issuer is another account.
      await store.linkUserOidc('b@x.org', { issuer: ISS, subject: 's-b2' }, () => draft(5))
      await store.linkUserOidc(
        'b@x.org',
        { issuer: 'https://other.example', subject: 's-a' },
        (b) => {
          seen = b
          return draft(6)
        },
      )
      expect(seen?.oidc).toEqual({ issuer: ISS, subject: 's-b2' })
      const head = (await store.auditHead()).size
      expect(
        await codeOf(
          store.linkUserOidc('b@x.org', { issuer: ISS, subject: 's-a' }, () => draft(7)),
        ),
      ).toBe('ERR_CONFLICT')
      expect(
        await codeOf(
          store.linkUserOidc('z@x.org', { issuer: ISS, subject: 's-z' }, () => draft(8)),
        ),
      ).toBe('ERR_NOT_FOUND')
      expect((await store.auditHead()).size).toBe(head)
      // Linking a user to the account it holds already is no conflict.
      await store.linkUserOidc('a@x.org', { issuer: ISS, subject: 's-a' }, () => draft(9))
      expect((await store.listUsers()).map((u) => [u.email, u.oidc?.subject])).toEqual([
        ['a@x.org', 's-a'],
        ['b@x.org', 's-a'],
      ])
      await store.close()
    })
  })
}
