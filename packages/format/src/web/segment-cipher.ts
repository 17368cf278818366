import { decryptFailed } from '../errors.js'
import { segmentNonce } from '../segment-nonce.js'
import { type CryptoKey, subtle } from './subtle.js'

/**
 * Seals one segment with AES-256-GCM under its nonce: ciphertext and tag in one buffer. WebCrypto
 * copies its input before it returns, so the caller may reuse `plaintext` at once.
 */
export async function sealSegment(
  key: CryptoKey,
  index: number,
  final: boolean,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  const iv = segmentNonce(index, final)
  return new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv }, key, plaintext))
}

/**
 * Opens one segment (ciphertext then tag) and returns its plaintext: the tag has verified.
 *
 * @throws FormatError `ERR_FORMAT_DECRYPT_FAILED`.
 */
export async function openSegmentBytes(
  key: CryptoKey,
  index: number,
  final: boolean,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  const iv = segmentNonce(index, final)
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv }, key, ciphertext))
  } catch {
    throw decryptFailed()
  }
}
