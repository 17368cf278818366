import { randomBytes } from 'node:crypto'
import { KeyServerClient, keyServerResolver } from '@latch/client'
import {
  createObjectWriter,
  decryptBuffer,
  encryptBuffer,
  generateX25519KeyPair,
  parseHeader,
} from '@latch/format'

/** One prepared `POST /v1/rewrap`: its headers, its JSON body and the status it must get. */
export interface ReleaseRequest {
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly expect: 200 | 403
}

/** What the key-release load sends, cycling through `requests`. */
export interface ReleaseFixture {
  readonly users: number
  readonly policies: number
  readonly requests: readonly ReleaseRequest[]
  /** Decrypts every object through the real client as its owner; throws on a wrong plaintext. */
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
 * Sets up a key server for the key-release benchmark through its HTTP API: 12 users (4 owners,
 * 6 readers at team.example, 2 outsiders), one policy per owner (two name readers, one names
 * `*@team.example`, one has none), two 1 KiB objects per policy encrypted to the server's
 * current key and registered with their policy. The requests cycle through owners and readers
 * of each object, and every tenth is an outsider's (a denial), each with its own throw-away key.
 * `options.location` registers the objects in a bucket (for the lockdown benchmark).
 */
export async function prepareReleaseFixture(
  url: string,
  adminToken: string,
  options: ReleaseFixtureOptions = {},
): Promise<ReleaseFixture> {
  const admin = new KeyServerClient({ server: url, token: adminToken })
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
  const wrapKey = keys.keys.find((k) => k.kid === keys.current)
  if (wrapKey === undefined) throw new Error('the key server publishes no current key')

  const objects: { bytes: Uint8Array; plain: Uint8Array; owner: string; permitted: string[] }[] = []
  for (const [i, owner] of owners.entries()) {
    const client = new KeyServerClient({ server: url, token: owner.token })
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
      const writer = createObjectWriter({
        policyId: policy.id,
        shares: [[{ kasId: keys.kasId, kid: wrapKey.kid, publicKey: wrapKey }]],
      })
      const plain = randomBytes(1024)
      const bytes = encryptBuffer(writer, plain)
      const header = parseHeader(bytes)
      await client.addPolicyObject(policy.id, {
        objectId: Buffer.from(header.core.objectId).toString('base64url'),
        coreHash: Buffer.from(header.coreHash).toString('base64url'),
        ...options.location?.(i, copy),
      })
      objects.push({ bytes, plain, owner: owner.token, permitted })
    }
  }

  const clientKeys = Array.from({ length: CLIENT_KEYS }, () => ({
    kty: 'OKP',
    crv: 'X25519',
    x: generateX25519KeyPair().publicKey.export({ format: 'jwk' }).x,
  }))
  const requests: ReleaseRequest[] = []
  for (let k = 0; k < CYCLE; k++) {
    const object = objects[k % objects.length] as (typeof objects)[number]
    const header = parseHeader(object.bytes)
    const denied = k % 10 === 9
    const token = denied
      ? (outsiders[k % OUTSIDERS] as { token: string }).token
      : (object.permitted[Math.floor(k / objects.length) % object.permitted.length] as string)
    requests.push({
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        core: Buffer.from(header.coreBytes).toString('base64url'),
        jwe: header.entries[0]?.jwe,
        clientKey: clientKeys[k % CLIENT_KEYS],
      }),
      expect: denied ? 403 : 200,
    })
  }

  return {
    users: OWNERS + READERS + OUTSIDERS,
    policies: OWNERS,
    requests,
    async checkRoundTrip() {
      for (const object of objects) {
        const client = new KeyServerClient({ server: url, token: object.owner })
        const plain = await decryptBuffer(object.bytes, keyServerResolver({ [keys.kasId]: client }))
        if (!Buffer.from(plain).equals(object.plain)) throw new Error('round trip: wrong plaintext')
      }
    },
  }
}
