/**
 * Test-vector hooks: writing with fixed randomness, and the low-level pieces the vectors are
 * built from and run through (key derivation, header layout, segment nonces, the synchronous
 * cores behind the streams). Never use these to encrypt real data: a fixed data key, salt or
 * ephemeral key destroys the format's guarantees.
 *
 * @packageDocumentation
 */
import { type ObjectMaterial, ObjectWriter, type ObjectWriterOptions } from './object-writer.js'

export { deriveObjectKeys } from './derive-object-keys.js'
export { encodeHeader } from './encode-header.js'
export { type HeaderRead, HeaderReader } from './header-reader.js'
export { type WrapMaterial, wrapShareWithMaterial } from './jwe/wrap-share.js'
export { SegmentDecryptor } from './segment-decryptor.js'
export { type Emit, SegmentEncryptor } from './segment-encryptor.js'
export { segmentNonce } from './segment-nonce.js'
export type { ObjectMaterial }

/**
 * Creates a writer whose object id, salt, shares and JWE randomness are the given values, so the
 * output is byte-for-byte reproducible (known-answer vectors).
 *
 * @param options - the policy id and the key servers of each share, as `createObjectWriter`.
 * @param material - the object id, salt, shares and, per entry, the JWE randomness.
 * @returns the writer.
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID`.
 */
export function createObjectWriterWithMaterial(
  options: ObjectWriterOptions,
  material: ObjectMaterial,
): ObjectWriter {
  return new ObjectWriter(options, material)
}
