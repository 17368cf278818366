/**
 * Test-vector hooks of the web build: writing with fixed randomness and the key derivation as
 * bytes. Never use these to encrypt real data: a fixed data key, salt or ephemeral key destroys
 * the format's guarantees.
 *
 * @packageDocumentation
 */
export { segmentNonce } from '../segment-nonce.js'
export { deriveObjectKeyBytes } from './derive-object-keys.js'
export { createObjectWriterWithMaterial, type ObjectMaterial } from './object-writer.js'
export { wrapShareWithMaterial } from './wrap-share.js'
