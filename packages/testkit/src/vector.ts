/**
 * The JSON shapes of the committed test vectors (`packages/testkit/vectors/`), documented for
 * other implementations in `docs/FORMAT.md` §"Test vectors". Byte strings are lowercase hex,
 * objects are base64 (standard alphabet, padded).
 */

/** A key server key pair used by the vectors (`keys.json`). */
export interface VectorKey {
  readonly kas_id: string
  readonly kid: string
  /** Raw X25519 private and public key, hex. */
  readonly private_key: string
  readonly public_key: string
}

/** The randomness of one JWE, fixed for the vector. */
export interface VectorWrapMaterial {
  readonly ephemeral_private_key: string
  readonly cek: string
  readonly iv: string
}

/** What a reader gets to see and check at each stage of decryption. */
export type VectorStage =
  | 'success'
  | 'header failure'
  | 'kas deny'
  | 'commitment failure'
  | 'header-mac failure'
  | 'length failure'
  | 'payload failure'

/** A known-answer vector: fixed inputs and the exact object they produce. */
export interface KnownAnswerVector {
  readonly name: string
  readonly comment: string
  readonly policy_id: string
  /** Recipients per share, by `kid` (see `keys.json`): `[["kas-a-1"]]`, `[["kas-a-1"], ["kas-b-1"]]`. */
  readonly shares_to: readonly (readonly string[])[]
  readonly material: {
    readonly object_id: string
    readonly salt: string
    readonly shares: readonly string[]
    readonly wraps: readonly VectorWrapMaterial[]
  }
  /** The data key (XOR of the shares) and what derives from it. */
  readonly dek: string
  readonly core_hash: string
  readonly payload_key: string
  readonly commitment: string
  readonly mac_key: string
  /** Plaintext: byte i is `i mod 251`. */
  readonly plaintext_length: number
  readonly plaintext_sha256: string
  readonly header: string
  readonly object_size: number
  readonly object_sha256: string
  /** The whole object, when it is at most 256 KiB. */
  readonly object?: string
}

/** A negative vector: an object that must fail, where, with which code, after releasing what. */
export interface NegativeVector {
  readonly name: string
  /** Group of the conformance list (docs/FORMAT.md §"Conformance"): A–H. */
  readonly group: string
  readonly comment: string
  /** Where a reader that follows the spec's order of checks first fails. */
  readonly expect: VectorStage
  /** Where it fails when handed the true data key directly (no key server), if that differs. */
  readonly expect_with_dek?: VectorStage
  /** The error code of the streaming and byte-at-a-time paths. */
  readonly code: string
  /** The whole-buffer path's code, when it differs (it checks the size before asking for a key). */
  readonly buffer_code?: string
  /** Key-server ids to prefer when choosing among alternative entries (default: header order). */
  readonly kas_preference?: readonly string[]
  /** The true data key of the object the attack started from, hex. */
  readonly dek: string
  /** SHA-256 and length of all plaintext a streaming reader releases before the failure. */
  readonly released_sha256: string
  readonly released_length: number
  readonly object: string
}
