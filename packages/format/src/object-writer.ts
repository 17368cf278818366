import type { KeyObject } from 'node:crypto'
import { randomBytes } from 'node:crypto'
import { combineShares } from './combine-shares.js'
import {
  KEY_SIZE,
  MAX_ENTRIES,
  MAX_SEGMENTS,
  OBJECT_ID_SIZE,
  SALT_SIZE,
  SEGMENT_SIZE,
} from './constants.js'
import { deriveObjectKeys } from './derive-object-keys.js'
import { encodeHeader } from './encode-header.js'
import { FormatError } from './errors.js'
import type { KeyEntry } from './header.js'
import { encodeHeaderCore, type HeaderCore, hashHeaderCore } from './header-core.js'
import { toBase64url } from './internal/bytes.js'
import { IndexSet } from './internal/index-set.js'
import { sealSegmentPieces, segmentScratch } from './internal/segment-cipher.js'
import { type WrapMaterial, wrapShareWithMaterial } from './jwe/wrap-share.js'
import { importX25519PublicKey, type X25519PublicJwk } from './jwe/x25519.js'

/** A key server a share is wrapped to: its id (in the entry), key id and X25519 public key. */
export interface KeyServerRecipient {
  readonly kasId: string
  readonly kid: string
  readonly publicKey: KeyObject | Uint8Array | X25519PublicJwk
}

const WRAP_RANDOM_SIZE = KEY_SIZE + 12

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
export interface ObjectMaterial {
  readonly objectId: Uint8Array
  readonly salt: Uint8Array
  readonly shares: readonly Uint8Array[]
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
  readonly #used = new IndexSet()
  readonly #scratch = segmentScratch()
  #finalIndex = -1

  /** Use {@link createObjectWriter}. */
  constructor(options: ObjectWriterOptions, material: ObjectMaterial) {
    const { shares } = options
    const entryCount = shares.reduce((sum, alternatives) => sum + alternatives.length, 0)
    if (
      shares.length < 1 ||
      shares.length > 2 ||
      shares.some((alternatives) => alternatives.length === 0) ||
      entryCount > MAX_ENTRIES ||
      material.shares.length !== shares.length ||
      (material.wraps !== undefined && material.wraps.length !== entryCount)
    ) {
      throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', '1–2 shares and 1–4 key entries')
    }
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
    this.#claim(index, length, final)
    return sealSegmentPieces(this.#payloadKey, index, final, pieces, this.#scratch)
  }

  #claim(index: number, length: number, final: boolean): void {
    const reject = (why: string) => new FormatError('ERR_FORMAT_SEGMENT_REJECTED', why)
    if (!Number.isInteger(index) || index < 0 || index >= MAX_SEGMENTS) throw reject('bad index')
    if (final ? length >= SEGMENT_SIZE : length !== SEGMENT_SIZE) {
      throw reject('a segment is 65,536 bytes, the final one fewer')
    }
    if (this.#used.has(index)) throw reject(`segment ${index} was already encrypted`)
    if (this.#finalIndex >= 0 && index > this.#finalIndex) throw reject('segment after the final')
    if (final && this.#used.max > index) throw reject('final segment before a later one')
    this.#used.add(index)
    if (final) this.#finalIndex = index
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
  const entryCount = options.shares.reduce((sum, alternatives) => sum + alternatives.length, 0)
  const ids = OBJECT_ID_SIZE + SALT_SIZE
  const keys = ids + KEY_SIZE * options.shares.length
  const random = randomBytes(keys + WRAP_RANDOM_SIZE * entryCount)
  const slice = (start: number, size: number) => random.subarray(start, start + size)
  const writer = new ObjectWriter(options, {
    objectId: slice(0, OBJECT_ID_SIZE),
    salt: slice(OBJECT_ID_SIZE, SALT_SIZE),
    shares: options.shares.map((_, i) => slice(ids + KEY_SIZE * i, KEY_SIZE)),
    wraps: Array.from({ length: entryCount }, (_, i) => ({
      cek: slice(keys + WRAP_RANDOM_SIZE * i, KEY_SIZE),
      iv: slice(keys + WRAP_RANDOM_SIZE * i + KEY_SIZE, WRAP_RANDOM_SIZE - KEY_SIZE),
    })),
  })
  random.fill(0, ids)
  return writer
}
