/**
 * The Latch encrypted object format (normative spec: `docs/FORMAT.md`). A pure codec: no I/O.
 *
 * Writing: {@link createObjectWriter} → `writer.header` and {@link ObjectWriter.encryptSegment}
 * (any order, in parallel), or {@link createEncryptStream} / {@link encryptBuffer}.
 * Reading: {@link parseHeader} → key from the key server → {@link openHeader} → segments, or
 * {@link createDecryptStream} / {@link decryptBuffer} / {@link decryptRange} with a
 * {@link KeyResolver}. Key servers: {@link parseHeaderCore}, {@link openShare},
 * {@link prepareShareWrap} (the re-wrap's key agreement, before the decision), {@link wrapShare}.
 * Test vectors write with fixed randomness through `@latch/format/testing`, never this entry.
 *
 * @packageDocumentation
 */
export { combineShares } from './combine-shares.js'
export {
  ENCRYPTED_SEGMENT_SIZE,
  HEADER_PREFIX_SIZE,
  MAX_HEADER_SIZE,
  SEGMENT_SIZE,
  TAG_SIZE,
} from './constants.js'
export { decryptBuffer } from './decrypt-buffer.js'
export { type DecryptRangeOptions, decryptRange, type ReadSpan } from './decrypt-range.js'
export { createDecryptStream } from './decrypt-stream.js'
export type { ObjectKeys } from './derive-object-keys.js'
export { encryptBuffer } from './encrypt-buffer.js'
export { createEncryptStream } from './encrypt-stream.js'
export { FORMAT_ERROR_CODES, FormatError, type FormatErrorCode, ProjectError } from './errors.js'
export type { Header, KeyEntry } from './header.js'
export { type HeaderCore, parseHeaderCore } from './header-core.js'
export { openShare } from './jwe/open-share.js'
export { type CompactJwe, parseCompactJwe } from './jwe/parse-compact-jwe.js'
export type { JweProtectedHeader, ShareBinding } from './jwe/protected-header.js'
export { shareBindingOf } from './jwe/share-binding-of.js'
export {
  type EphemeralX25519Key,
  type PreparedShareWrap,
  prepareShareWrap,
  type WrapRecipient,
  wrapShare,
} from './jwe/wrap-share.js'
export {
  exportX25519PrivateKey,
  exportX25519PublicJwk,
  exportX25519PublicKey,
  generateX25519KeyPair,
  importX25519PrivateKey,
  importX25519PublicKey,
  type X25519KeyPair,
  type X25519PublicJwk,
} from './jwe/x25519.js'
export type { KeyResolver } from './key-resolver.js'
export { createDecryptTransform, createEncryptTransform } from './node-streams.js'
export {
  createObjectWriter,
  type KeyServerRecipient,
  type ObjectWriter,
  type ObjectWriterOptions,
} from './object-writer.js'
export { openHeader } from './open-header.js'
export { openSegment } from './open-segment.js'
export { parseHeader } from './parse-header.js'
export { type ByteSpan, type PlaintextRange, planRange, type RangePlan } from './plan-range.js'
export { readHeaderSize } from './read-header-size.js'
export { ciphertextSize, plaintextSize } from './sizes.js'
