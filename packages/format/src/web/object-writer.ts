import { combineShares } from '../combine-shares.js'
import type { KeyEntry } from '../header.js'
import { encodeHeaderCore, type HeaderCore } from '../header-core.js'
import { encodeBase64url } from '../internal/base64url.js'
import { layoutHeader } from '../internal/header-layout.js'
import { SegmentClaims } from '../internal/segment-claims.js'
import {
  checkWriterShape,
  type MaterialShape,
  materialFromRandom,
  randomSizeOf,
  SECRET_RANDOM_OFFSET,
} from '../internal/writer-material.js'
import type { X25519PublicJwk } from '../jwe/x25519-public-jwk.js'
import { deriveObjectKeyBytes } from './derive-object-keys.js'
import { sealSegment } from './segment-cipher.js'
import { type CryptoKey, joinPieces, randomBytes, sha256, subtle } from './subtle.js'
import { wrapShareWithMaterial } from './wrap-share.js'
import { importX25519PublicKey } from './x25519.js'

/** A key server a share is wrapped to: its id (in the entry), key id and X25519 public key. */
export interface KeyServerRecipient {
  readonly kasId: string
  readonly kid: string
  readonly publicKey: CryptoKey | Uint8Array | X25519PublicJwk
}

/** What a writer needs: the policy id the key server assigned and where the key goes. */
export interface ObjectWriterOptions {
  readonly policyId: string
  /**
   * One list per share. `[[a]]`: one share for server a. `[[a, b]]`: the same share for a or b.
   * `[[a], [b]]`: two shares, both needed. At most 2 shares and 4 entries in all.
   */
  readonly shares: readonly (readonly KeyServerRecipient[])[]
}

/** The random inputs of an object, fixed only by test vectors (`@latch/format/web/testing`). */
export type ObjectMaterial = MaterialShape

/**
 * Writes one object (web build): the header is built up front, and segments are encrypted by
 * index, in any order and concurrently. Indices are claimed before any await, so a reused index,
 * a segment after the final one or an index ≥ 2^32 is refused even between concurrent calls.
 */
export class ObjectWriter {
  /** The complete header; the object is `header ‖ segment_0 ‖ … ‖ segment_final`. */
  readonly header: Uint8Array
  /** The header core, its hash, and the entries, as the key server will see them. */
  readonly core: HeaderCore
  readonly coreHash: Uint8Array
  readonly entries: readonly KeyEntry[]
  readonly #payloadKey: CryptoKey
  readonly #claims = new SegmentClaims()

  /** Use {@link createObjectWriter}. */
  constructor(fields: {
    header: Uint8Array
    core: HeaderCore
    coreHash: Uint8Array
    entries: readonly KeyEntry[]
    payloadKey: CryptoKey
  }) {
    this.header = fields.header
    this.core = fields.core
    this.coreHash = fields.coreHash
    this.entries = fields.entries
    this.#payloadKey = fields.payloadKey
  }

  /**
   * Encrypts segment `index`: exactly 65,536 bytes unless `final`, fewer (maybe 0) if `final`.
   * Resolves to the segment's ciphertext and tag in one buffer. The plaintext is copied before
   * this returns, so the caller may reuse it at once.
   *
   * @throws FormatError `ERR_FORMAT_SEGMENT_REJECTED` (synchronously, as with the Node build).
   */
  encryptSegment(
    index: number,
    plaintext: Uint8Array | readonly Uint8Array[],
    final: boolean,
  ): Promise<Uint8Array> {
    const bytes = plaintext instanceof Uint8Array ? plaintext : joinPieces(plaintext)
    this.#claims.claim(index, bytes.length, final)
    return sealSegment(this.#payloadKey, index, final, bytes)
  }
}

/**
 * Builds a writer from fixed material: test vectors only (`@latch/format/web/testing`).
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID`.
 */
export async function createObjectWriterWithMaterial(
  options: ObjectWriterOptions,
  material: ObjectMaterial,
): Promise<ObjectWriter> {
  const { shares } = options
  checkWriterShape(shares, material)
  const core = { objectId: material.objectId, salt: material.salt, policyId: options.policyId }
  const coreBytes = encodeHeaderCore(core)
  const coreHash = await sha256(coreBytes)
  const binding = {
    policyId: options.policyId,
    objectId: encodeBase64url(material.objectId),
    coreHash: encodeBase64url(coreHash),
    n: shares.length,
  }
  const pending: Promise<KeyEntry>[] = []
  shares.forEach((alternatives, s) => {
    for (const recipient of alternatives) {
      const wrap = material.wraps?.[pending.length]
      pending.push(
        (async () => {
          const publicKey = await importX25519PublicKey(recipient.publicKey)
          const jwe = await wrapShareWithMaterial(
            material.shares[s] as Uint8Array,
            { kid: recipient.kid, publicKey },
            { ...binding, sid: s + 1 },
            wrap,
          )
          return { sid: s + 1, n: shares.length, kasId: recipient.kasId, jwe }
        })(),
      )
    }
  })
  const entries = await Promise.all(pending)
  const dek = combineShares(material.shares)
  const okm = await deriveObjectKeyBytes(dek, material.salt, coreHash)
  dek.fill(0)
  try {
    const { bytes: header, macOffset } = layoutHeader(coreBytes, entries, okm.subarray(32, 64))
    const [payloadKey, macKey] = await Promise.all([
      subtle().importKey('raw', okm.subarray(0, 32), 'AES-GCM', false, ['encrypt']),
      subtle().importKey('raw', okm.subarray(64, 96), { name: 'HMAC', hash: 'SHA-256' }, false, [
        'sign',
      ]),
    ])
    const mac = await subtle().sign('HMAC', macKey, header.subarray(0, macOffset))
    header.set(new Uint8Array(mac), macOffset)
    return new ObjectWriter({ header, core, coreHash, entries, payloadKey })
  } finally {
    okm.fill(0)
  }
}

/**
 * Starts a new object (web build): a fresh data key (or two XOR shares), object id and salt from
 * `crypto.getRandomValues`, each share wrapped to its key servers. Needs no network: only the
 * servers' public keys and the policy id.
 *
 * @example
 * ```ts
 * const writer = await createObjectWriter({ policyId, shares: [[{ kasId: 'kas', kid, publicKey: jwk }]] })
 * const object = encryptToStream(writer, file)   // a ReadableStream<Uint8Array>
 * ```
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID`.
 */
export async function createObjectWriter(options: ObjectWriterOptions): Promise<ObjectWriter> {
  const random = randomBytes(randomSizeOf(options.shares))
  try {
    return await createObjectWriterWithMaterial(options, materialFromRandom(options.shares, random))
  } finally {
    random.fill(0, SECRET_RANDOM_OFFSET)
  }
}
