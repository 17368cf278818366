import { randomBytes } from 'node:crypto'
import {
  createObjectWriter,
  decryptBuffer,
  encryptBuffer,
  generateX25519KeyPair,
  type Header,
  type KeyResolver,
  openShare,
  parseHeader,
  shareBindingOf,
  type X25519KeyPair,
} from '@latch/format'

// --- The key server, through a client the caller passes in ---

/** The key server's wrap keys as `GET /v1/keys` lists them. */
export interface FixtureKeySet {
  readonly kasId: string
  readonly current: string
  readonly keys: readonly {
    readonly kty: 'OKP'
    readonly crv: 'X25519'
    readonly x: string
    readonly kid: string
  }[]
}

/**
 * The key-server calls the fixtures make. `KeyServerClient` of `@latch/client` has them all; the
 * caller passes it in, since the testkit sits below the client and imports only the format.
 */
export interface FixtureClient {
  createUser(email: string): Promise<{ readonly token: string }>
  keys(): Promise<FixtureKeySet>
  createPolicy(input: {
    readers: string[]
    labels?: Record<string, string>
  }): Promise<{ readonly id: string }>
  addPolicyObject(
    id: string,
    object: { objectId: string; coreHash: string; bucket?: string; key?: string },
  ): Promise<unknown>
}

/** How a fixture reaches the key server: a client per token, and key release through one. */
export interface KeyServerAccess<C extends FixtureClient> {
  /** A client that authenticates with `token` (`new KeyServerClient({ server, token })`). */
  connect(token: string): C
  /** A key resolver that releases keys through `client` (`keyServerResolver({ [kasId]: client })`). */
  resolver(kasId: string, client: C): KeyResolver
}

// --- Building blocks ---

/**
 * Encrypts `plain` to the key server's current wrap key under `policyId` and registers the
 * object with that policy, at `location` when given.
 *
 * @param client A client allowed to add objects to the policy (its owner or an admin).
 * @param keys The key server's wrap keys.
 * @param policyId The policy the object is encrypted under.
 * @param plain The plaintext.
 * @param location Where the object is registered (`bucket`, `key`); default: nowhere.
 * @returns The encrypted object.
 * @throws Error when the key server publishes no current key, or the registration fails.
 */
export async function registerObject(
  client: FixtureClient,
  keys: FixtureKeySet,
  policyId: string,
  plain: Uint8Array,
  location?: { bucket: string; key: string },
): Promise<Uint8Array> {
  const wrapKey = keys.keys.find((k) => k.kid === keys.current)
  if (wrapKey === undefined) throw new Error('the key server publishes no current key')
  const bytes = encryptBuffer(
    createObjectWriter({
      policyId,
      shares: [[{ kasId: keys.kasId, kid: wrapKey.kid, publicKey: wrapKey }]],
    }),
    plain,
  )
  const header = parseHeader(bytes)
  await client.addPolicyObject(policyId, {
    objectId: Buffer.from(header.core.objectId).toString('base64url'),
    coreHash: Buffer.from(header.coreHash).toString('base64url'),
    ...location,
  })
  return bytes
}

/** One prepared `POST /v1/rewrap`: its headers, its JSON body, and a check of the answer. */
export interface PreparedRewrap {
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** Whether a 200 answer's JWE opens with the request's throw-away key (a real key came back). */
  opens(jwe: string): boolean
}

/**
 * Prepares a key request for the first key entry of `header`, as `token`'s holder, with a
 * throw-away X25519 key.
 *
 * @param token The API token the request authenticates with.
 * @param header The object's parsed header.
 * @param clientKey The throw-away key pair; default: a new one.
 * @returns The request, ready to send as often as wanted.
 * @throws Error when the header has no key entry.
 */
export function prepareRewrap(
  token: string,
  header: Header,
  clientKey: X25519KeyPair = generateX25519KeyPair(),
): PreparedRewrap {
  const entry = header.entries[0]
  if (entry === undefined) throw new Error('the header has no key entry')
  const binding = shareBindingOf(header.coreBytes, entry.sid, entry.n)
  return {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      core: Buffer.from(header.coreBytes).toString('base64url'),
      jwe: entry.jwe,
      clientKey: {
        kty: 'OKP',
        crv: 'X25519',
        x: clientKey.publicKey.export({ format: 'jwk' }).x,
      },
    }),
    opens(jwe) {
      try {
        openShare(jwe, clientKey.privateKey, binding)
        return true
      } catch {
        return false
      }
    },
  }
}

// --- The key-release load ---

/** One prepared `POST /v1/rewrap` of the key-release load, and the status it must get. */
export interface ReleaseRequest extends PreparedRewrap {
  readonly expect: 200 | 403
}

/** What the key-release load sends, cycling through `requests`. */
export interface ReleaseFixture {
  readonly users: number
  readonly policies: number
  readonly requests: readonly ReleaseRequest[]
  /** Decrypts every object through the key server as its owner; throws on a wrong plaintext. */
  checkRoundTrip(): Promise<void>
}

/** Options of {@link prepareReleaseFixture}. */
export interface ReleaseFixtureOptions {
  /** Where object `copy` (0 or 1) of policy `policy` is registered; default: nowhere. */
  readonly location?: (policy: number, copy: number) => { bucket: string; key: string }
}

const OWNERS = 4
const READERS = 6
const OUTSIDERS = 2
const CLIENT_KEYS = 16
const CYCLE = 200

/**
 * Sets up a key server for a key-release load through its HTTP API: 12 users (4 owners,
 * 6 readers at team.example, 2 outsiders), one policy per owner (two name readers, one names
 * `*@team.example`, one has none), two 1 KiB objects per policy encrypted to the server's
 * current key and registered with their policy. The requests cycle through owners and readers
 * of each object, and every tenth is an outsider's (a denial), over 16 throw-away keys.
 *
 * @param access A client per token and key release through it.
 * @param adminToken An admin's API token (the first admin's, `DATA/admin.token`).
 * @param options Where the objects are registered (for lockdowns by location).
 * @returns The users, policies and prepared requests, and a round-trip check.
 * @throws Error when the key server refuses a set-up call.
 */
export async function prepareReleaseFixture<C extends FixtureClient>(
  access: KeyServerAccess<C>,
  adminToken: string,
  options: ReleaseFixtureOptions = {},
): Promise<ReleaseFixture> {
  const admin = access.connect(adminToken)
  const mint = async (email: string) => ({ email, token: (await admin.createUser(email)).token })
  const owners = await Promise.all(
    Array.from({ length: OWNERS }, (_, i) => mint(`owner${i}@bench.example`)),
  )
  const readers = await Promise.all(
    Array.from({ length: READERS }, (_, i) => mint(`reader${i}@team.example`)),
  )
  const outsiders = await Promise.all(
    Array.from({ length: OUTSIDERS }, (_, i) => mint(`outsider${i}@elsewhere.example`)),
  )
  const keys = await admin.keys()

  const objects: { bytes: Uint8Array; plain: Uint8Array; owner: string; permitted: string[] }[] = []
  for (const [i, owner] of owners.entries()) {
    const client = access.connect(owner.token)
    const named = [readers[(2 * i) % READERS], readers[(2 * i + 1) % READERS]].map(
      (r) => r?.email ?? '',
    )
    const policyReaders = i === 2 ? ['*@team.example'] : i === 3 ? [] : named
    const policy = await client.createPolicy({ readers: policyReaders, labels: { bench: 'true' } })
    const permitted = [
      owner.token,
      ...readers
        .filter((r) => (i === 2 ? true : policyReaders.includes(r.email)))
        .map((r) => r.token),
    ]
    for (let copy = 0; copy < 2; copy++) {
      const plain = randomBytes(1024)
      const bytes = await registerObject(
        client,
        keys,
        policy.id,
        plain,
        options.location?.(i, copy),
      )
      objects.push({ bytes, plain, owner: owner.token, permitted })
    }
  }

  const clientKeys = Array.from({ length: CLIENT_KEYS }, () => generateX25519KeyPair())
  const requests: ReleaseRequest[] = []
  for (let k = 0; k < CYCLE; k++) {
    const object = objects[k % objects.length] as (typeof objects)[number]
    const denied = k % 10 === 9
    const token = denied
      ? (outsiders[k % OUTSIDERS] as { token: string }).token
      : (object.permitted[Math.floor(k / objects.length) % object.permitted.length] as string)
    const rewrap = prepareRewrap(token, parseHeader(object.bytes), clientKeys[k % CLIENT_KEYS])
    requests.push({ ...rewrap, expect: denied ? 403 : 200 })
  }

  return {
    users: OWNERS + READERS + OUTSIDERS,
    policies: OWNERS,
    requests,
    async checkRoundTrip() {
      for (const object of objects) {
        const resolver = access.resolver(keys.kasId, access.connect(object.owner))
        const plain = await decryptBuffer(object.bytes, resolver)
        if (!Buffer.from(plain).equals(object.plain)) throw new Error('round trip: wrong plaintext')
      }
    },
  }
}
