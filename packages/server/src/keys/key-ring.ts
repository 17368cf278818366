import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto'
import type { CheckpointSigner, CheckpointVerifierKey } from '@latch/audit'
import {
  exportX25519PrivateKey,
  exportX25519PublicKey,
  importX25519PrivateKey,
  type X25519PublicJwk,
} from '@latch/format'
import type { RequestMeta } from '../audit/audit-event.js'
import { auditEvent } from '../audit/audit-event.js'
import { type Identity, SYSTEM_IDENTITY } from '../auth/identity.js'
import type { ServerKeyRecord } from '../store/records.js'
import type { Store } from '../store/store.js'
import { checkpointKeyName } from './checkpoint-key-name.js'
import type { KeySealer } from './key-sealer.js'

/** A key-server public key as published in the JWKS. */
export interface WrapPublicJwk extends X25519PublicJwk {
  readonly kid: string
  readonly use: 'enc'
  readonly alg: 'ECDH-ES+A256KW'
}

interface WrapKey {
  readonly kid: string
  readonly publicKey: Uint8Array
  readonly privateKey: KeyObject
}

// Ed25519 PKCS#8 DER prefix: the raw 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/**
 * The server's key pairs, unsealed in memory: X25519 wrap keys (the newest is current for new
 * files; older ones stay for decryption) and the Ed25519 checkpoint-signing key. Another
 * instance's rotation is picked up when a request names a kid this ring has not seen.
 */
export class KeyRing {
  readonly #store: Store
  readonly #sealer: KeySealer
  #wrap: WrapKey[] = []
  #checkpoint: { name: string; privateKey: KeyObject; publicKey: KeyObject } | undefined
  #lastReload = 0

  private constructor(store: Store, sealer: KeySealer) {
    this.#store = store
    this.#sealer = sealer
  }

  /**
   * Loads the ring, creating a first wrap key and a checkpoint key when the store has none.
   * @throws ServerError `ERR_CONFIG_INVALID` when a key does not open under the root key.
   */
  static async open(store: Store, sealer: KeySealer): Promise<KeyRing> {
    const ring = new KeyRing(store, sealer)
    await ring.#reload()
    if (ring.#wrap.length === 0) await ring.#create('wrap', SYSTEM_IDENTITY, undefined)
    if (ring.#checkpoint === undefined) await ring.#create('checkpoint', SYSTEM_IDENTITY, undefined)
    return ring
  }

  /** The key new files are wrapped to. */
  get currentKid(): string {
    return (this.#wrap[this.#wrap.length - 1] as { kid: string }).kid
  }

  /** The public wrap keys, current first, as a JWKS. */
  jwks(): { keys: WrapPublicJwk[] } {
    return {
      keys: [...this.#wrap].reverse().map((k) => ({
        kty: 'OKP' as const,
        crv: 'X25519' as const,
        x: Buffer.from(k.publicKey).toString('base64url'),
        kid: k.kid,
        use: 'enc' as const,
        alg: 'ECDH-ES+A256KW' as const,
      })),
    }
  }

  /** The private wrap key for `kid`, reloading once a second at most when it is unknown. */
  async privateKey(kid: string): Promise<KeyObject | undefined> {
    let key = this.#wrap.find((k) => k.kid === kid)
    if (key === undefined && Date.now() - this.#lastReload > 1000) {
      await this.#reload()
      key = this.#wrap.find((k) => k.kid === kid)
    }
    return key?.privateKey
  }

  /** Adds a wrap key that becomes current; the old ones keep working for decryption. */
  async rotate(actor: Identity, meta: RequestMeta | undefined): Promise<string> {
    return this.#create('wrap', actor, meta)
  }

  /** The checkpoint signer. */
  get checkpointSigner(): CheckpointSigner {
    return this.#checkpointKey()
  }

  /** The checkpoint verification key, published for offline verification. */
  get checkpointKey(): CheckpointVerifierKey {
    const key = this.#checkpointKey()
    return { name: key.name, publicKey: key.publicKey }
  }

  #checkpointKey() {
    if (this.#checkpoint === undefined) throw new Error('key ring not opened')
    return this.#checkpoint
  }

  async #create(use: 'wrap' | 'checkpoint', actor: Identity, meta: RequestMeta | undefined) {
    const date = new Date().toISOString().slice(0, 10).replaceAll('-', '')
    const kid = `${use === 'wrap' ? 'x25519' : 'ed25519'}-${date}-${randomBytes(4).toString('hex')}`
    let publicKey: Uint8Array
    let privateKey: Buffer
    if (use === 'wrap') {
      const pair = generateKeyPairSync('x25519')
      publicKey = exportX25519PublicKey(pair.publicKey)
      privateKey = Buffer.from(exportX25519PrivateKey(pair.privateKey))
    } else {
      const pair = generateKeyPairSync('ed25519')
      publicKey = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url')
      privateKey = pair.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(16)
    }
    const record: ServerKeyRecord = {
      kid,
      use,
      publicKey,
      sealedPrivateKey: await this.#sealer.seal(privateKey, kid),
      createdAt: new Date(),
    }
    privateKey.fill(0)
    const type = use === 'wrap' && this.#wrap.length > 0 ? 'key.rotate' : 'key.create'
    await this.#store.addServerKey(record, auditEvent(type, actor, meta, { kid, use }))
    await this.#reload()
    return kid
  }

  // Unseals only the keys this ring does not hold yet, all at once (one round trip to a KMS, not
  // one per key): a running instance keeps the keys it has even after `latch keys reseal` moved
  // their sealed copies to a custody it cannot open.
  async #reload(): Promise<void> {
    this.#lastReload = Date.now()
    const records = await this.#store.listServerKeys()
    const held = new Map(this.#wrap.map((k) => [k.kid, k]))
    const fresh = records.filter((r) =>
      r.use === 'wrap' ? !held.has(r.kid) : this.#checkpoint?.name !== checkpointKeyName(r.kid),
    )
    const opened = new Map(
      await Promise.all(
        fresh.map(
          async (r) => [r.kid, await this.#sealer.unseal(r.sealedPrivateKey, r.kid)] as const,
        ),
      ),
    )
    const wrap: WrapKey[] = []
    for (const r of records) {
      const raw = opened.get(r.kid)
      if (raw === undefined) {
        const kept = held.get(r.kid)
        if (kept !== undefined) wrap.push(kept)
        continue
      }
      if (r.use === 'wrap') {
        wrap.push({ kid: r.kid, publicKey: r.publicKey, privateKey: importX25519PrivateKey(raw) })
      } else {
        const privateKey = createPrivateKey({
          key: Buffer.concat([ED25519_PKCS8_PREFIX, raw]),
          format: 'der',
          type: 'pkcs8',
        })
        this.#checkpoint = {
          name: checkpointKeyName(r.kid),
          privateKey,
          publicKey: createPublicKey(privateKey),
        }
      }
      raw.fill(0)
    }
    this.#wrap = wrap
  }
}
