/**
 * The Latch encrypted object format on WebCrypto, for browsers (and any runtime with
 * `crypto.subtle` and web streams): the same format v1 and the same API shape as the Node entry,
 * async where WebCrypto is. Nothing here touches `Buffer` or `node:*`; the pure parts (header
 * layout and parsing, sizes, nonces, range plans, the JWE profile) are the Node entry's own code.
 * Selected by the `browser` export condition of `@latch/format`, or explicitly as
 * `@latch/format/web`.
 *
 * Writing: {@link createObjectWriter} → {@link encryptToStream} (a `File`, `Blob` or stream) or
 * {@link createEncryptStream} / {@link encryptBuffer}. Reading: {@link createDecryptStream},
 * {@link decryptToStream}, {@link decryptBuffer} or {@link decryptRange} with a
 * {@link KeyResolver}. Test vectors write with fixed randomness through
 * `@latch/format/web/testing`, never this entry.
 *
 * @packageDocumentation
 */
export { combineShares } from '../combine-shares.js'
export {
  ENCRYPTED_SEGMENT_SIZE,
  HEADER_PREFIX_SIZE,
  MAX_HEADER_SIZE,
  SEGMENT_SIZE,
  TAG_SIZE,
} from '../constants.js'
export { FORMAT_ERROR_CODES, FormatError, type FormatErrorCode, ProjectError } from '../errors.js'
export type { Header, KeyEntry } from '../header.js'
export { type HeaderCore, parseHeaderCore } from '../header-core.js'
export { type CompactJwe, parseCompactJwe } from '../jwe/parse-compact-jwe.js'
export type { JweProtectedHeader, ShareBinding } from '../jwe/protected-header.js'
export type { X25519PublicJwk } from '../jwe/x25519-public-jwk.js'
export type { KeyResolver } from '../key-resolver.js'
export { type ByteSpan, type PlaintextRange, planRange, type RangePlan } from '../plan-range.js'
export { readHeaderSize } from '../read-header-size.js'
export { ciphertextSize, plaintextSize } from '../sizes.js'
export { decryptBuffer } from './decrypt-buffer.js'
export { type DecryptRangeOptions, decryptRange, type ReadSpan } from './decrypt-range.js'
export { createDecryptStream, decryptToStream } from './decrypt-stream.js'
export type { ObjectKeys } from './derive-object-keys.js'
export { encryptBuffer } from './encrypt-buffer.js'
export { createEncryptStream, encryptToStream, type StreamOptions } from './encrypt-stream.js'
export {
  createObjectWriter,
  type KeyServerRecipient,
  type ObjectWriter,
  type ObjectWriterOptions,
} from './object-writer.js'
export { openHeader } from './open-header.js'
export { openSegment } from './open-segment.js'
export { openShare } from './open-share.js'
export { parseHeader } from './parse-header.js'
export { shareBindingOf } from './share-binding-of.js'
export type { CryptoKey, CryptoKeyPair } from './subtle.js'
export {
  type PreparedShareWrap,
  prepareShareWrap,
  type WrapRecipient,
  wrapShare,
} from './wrap-share.js'
export {
  exportX25519PublicJwk,
  exportX25519PublicKey,
  generateX25519KeyPair,
  importX25519PrivateKey,
  importX25519PublicKey,
} from './x25519.js'
