/**
 * Test-vector hooks: writing with fixed randomness. Never use these to encrypt real data: a fixed
 * data key, salt or ephemeral key destroys the format's guarantees.
 *
 * @packageDocumentation
 */
import { type ObjectMaterial, ObjectWriter, type ObjectWriterOptions } from './object-writer.js'

export { deriveObjectKeys } from './derive-object-keys.js'
export { encodeHeader } from './encode-header.js'
export { segmentNonce } from './internal/segment-cipher.js'
export type { WrapMaterial } from './jwe/wrap-share.js'
export type { ObjectMaterial }

/**
 * Creates a writer whose object id, salt, shares and JWE randomness are the given values, so the
 * output is byte-for-byte reproducible (known-answer vectors).
 */
export function createObjectWriterWithMaterial(
  options: ObjectWriterOptions,
  material: ObjectMaterial,
): ObjectWriter {
  return new ObjectWriter(options, material)
}
