import type { KeyObject } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import { combineShares } from './combine-shares.js'
import { deriveObjectKeys } from './derive-object-keys.js'
import { encodeHeader } from './encode-header.js'
import { hashHeaderCore } from './hash-header-core.js'
import type { KeyEntry } from './header.js'
import { encodeHeaderCore, type HeaderCore } from './header-core.js'
import { toBase64url } from './internal/bytes.js'
import { sealSegmentPieces, segmentScratch } from './internal/segment-cipher.js'
import { SegmentClaims } from './internal/segment-claims.js'
import {
  checkWriterShape,
  type MaterialShape,
  materialFromRandom,
  randomSizeOf,
  SECRET_RANDOM_OFFSET,
} from './internal/writer-material.js'
import { type WrapMaterial, wrapShareWithMaterial } from './jwe/wrap-share.js'
import { importX25519PublicKey, type X25519PublicJwk } from './jwe/x25519.js'

/** A key server a share is wrapped to: its id (in the entry), key id and X25519 public key. */
export interface KeyServerRecipient {
  readonly kasId: string
  readonly kid: string
  readonly publicKey: KeyObject | Uint8Array | X25519PublicJwk
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

/** The random inputs of an object, fixed only by test vectors (`@latch/format/testing`). */
export interface ObjectMaterial extends MaterialShape {
  /** One per entry, in entry order; fresh randomness when absent. */
  readonly wraps?: readonly WrapMaterial[]
}

/**
 * Writes one object: builds its header up front (it does not depend on the content) and
 * encrypts segments by index, in any order and in parallel, for multipart uploads. It refuses an
 * index used twice, anything after the final segment, and indices ≥ 2^32, because a repeated
 * nonce under one GCM key would break both confidentiality and integrity.
 */
export class ObjectWriter {
  /** The complete header; the object is `header ‖ segment_0 ‖ … ‖ segment_final`. */
  readonly header: Uint8Array
  /** The header core, its encoding and hash, and the entries, as the key server will see them. */
  readonly core: HeaderCore
  readonly coreHash: Uint8Array
  readonly entries: readonly KeyEntry[]
  readonly #payloadKey: KeyObject
  readonly #claims = new SegmentClaims()
  readonly #scratch = segmentScratch()

  /** Use {@link createObjectWriter}. */
  constructor(options: ObjectWriterOptions, material: ObjectMaterial) {
    const { shares } = options
    checkWriterShape(shares, material)
    this.core = { objectId: material.objectId, salt: material.salt, policyId: options.policyId }
    const coreBytes = encodeHeaderCore(this.core)
    this.coreHash = hashHeaderCore(coreBytes)
    const binding = {
      policyId: options.policyId,
      objectId: toBase64url(material.objectId),
      coreHash: toBase64url(this.coreHash),
      n: shares.length,
    }
    const entries: KeyEntry[] = []
    shares.forEach((alternatives, s) => {
      for (const recipient of alternatives) {
        const publicKey = importX25519PublicKey(recipient.publicKey)
        const jwe = wrapShareWithMaterial(
          material.shares[s] as Uint8Array,
          { kid: recipient.kid, publicKey },
          { ...binding, sid: s + 1 },
          material.wraps?.[entries.length],
        )
        entries.push({ sid: s + 1, n: shares.length, kasId: recipient.kasId, jwe })
      }
    })
    this.entries = entries
    const dek = combineShares(material.shares)
    const keys = deriveObjectKeys(dek, material.salt, this.coreHash)
    dek.fill(0)
    this.header = encodeHeader(coreBytes, entries, keys)
    this.#payloadKey = keys.payloadKey
  }

  /**
   * Encrypts segment `index`: exactly 65,536 bytes unless `final`, fewer than 65,536 (maybe 0)
   * if `final`. Returns the segment's ciphertext and tag as pieces (write them in order).
   *
   * @throws FormatError `ERR_FORMAT_SEGMENT_REJECTED` for a reused index, a segment after the
   *   final one, a final segment before one already written, a wrong length or index ≥ 2^32.
   */
  encryptSegment(
    index: number,
    plaintext: Uint8Array | readonly Uint8Array[],
    final: boolean,
  ): Uint8Array[] {
    const pieces = plaintext instanceof Uint8Array ? [plaintext] : plaintext
    let length = 0
    for (const piece of pieces) length += piece.length
    this.#claims.claim(index, length, final)
    return sealSegmentPieces(this.#payloadKey, index, final, pieces, this.#scratch)
  }
}

/**
 * Starts a new object: a fresh data key (or two XOR shares), object id and salt from the system
 * CSPRNG, each share wrapped to its key servers. Encryption needs no network: only the servers'
 * public keys and the policy id.
 *
 * @example
 * ```ts
 * const writer = createObjectWriter({ policyId, shares: [[{ kasId: 'kas', kid, publicKey: jwk }]] })
 * upload(writer.header, writer.encryptSegment(0, firstChunk, true))
 * ```
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID`.
 */
export function createObjectWriter(options: ObjectWriterOptions): ObjectWriter {
  // One CSPRNG call per object: object id, salt, shares, and each entry's CEK and IV.
  const random = randomBytes(randomSizeOf(options.shares))
  const writer = new ObjectWriter(options, materialFromRandom(options.shares, random))
  random.fill(0, SECRET_RANDOM_OFFSET)
  return writer
}
