import { KEY_SIZE, MAX_ENTRIES, OBJECT_ID_SIZE, SALT_SIZE } from '../constants.js'
import { FormatError } from '../errors.js'

/** The random inputs of one JWE (the ephemeral key only ever fixed by test vectors). */
export interface WrapRandomness {
  readonly ephemeralPrivateKey?: Uint8Array
  readonly cek: Uint8Array
  readonly iv: Uint8Array
}

/** The random inputs of an object, fixed only by test vectors. */
export interface MaterialShape {
  readonly objectId: Uint8Array
  readonly salt: Uint8Array
  readonly shares: readonly Uint8Array[]
  /** One per entry, in entry order; fresh randomness when absent. */
  readonly wraps?: readonly WrapRandomness[]
}

const WRAP_RANDOM_SIZE = KEY_SIZE + 12

/** Number of key entries of a share layout. */
export function entryCountOf(shares: readonly (readonly unknown[])[]): number {
  return shares.reduce((sum, alternatives) => sum + alternatives.length, 0)
}

/**
 * Checks a writer's share layout against its material: 1–2 shares, 1–4 entries.
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID`.
 */
export function checkWriterShape(
  shares: readonly (readonly unknown[])[],
  material: MaterialShape,
): void {
  const entryCount = entryCountOf(shares)
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
}

/** Bytes of CSPRNG output one object needs: object id, salt, shares, each entry's CEK and IV. */
export function randomSizeOf(shares: readonly (readonly unknown[])[]): number {
  return (
    OBJECT_ID_SIZE + SALT_SIZE + KEY_SIZE * shares.length + WRAP_RANDOM_SIZE * entryCountOf(shares)
  )
}

/** Cuts one CSPRNG draw of {@link randomSizeOf} bytes into an object's material (views, no copy). */
export function materialFromRandom(
  shares: readonly (readonly unknown[])[],
  random: Uint8Array,
): MaterialShape {
  const ids = OBJECT_ID_SIZE + SALT_SIZE
  const keys = ids + KEY_SIZE * shares.length
  const slice = (start: number, size: number) => random.subarray(start, start + size)
  return {
    objectId: slice(0, OBJECT_ID_SIZE),
    salt: slice(OBJECT_ID_SIZE, SALT_SIZE),
    shares: shares.map((_, i) => slice(ids + KEY_SIZE * i, KEY_SIZE)),
    wraps: Array.from({ length: entryCountOf(shares) }, (_, i) => ({
      cek: slice(keys + WRAP_RANDOM_SIZE * i, KEY_SIZE),
      iv: slice(keys + WRAP_RANDOM_SIZE * i + KEY_SIZE, WRAP_RANDOM_SIZE - KEY_SIZE),
    })),
  }
}

/** Offset where the secret part of a {@link materialFromRandom} draw starts (ids are public). */
export const SECRET_RANDOM_OFFSET = OBJECT_ID_SIZE + SALT_SIZE
