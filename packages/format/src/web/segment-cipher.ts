import { decryptFailed } from '../errors.js'
import { segmentNonce } from '../segment-nonce.js'
import { type CryptoKey, subtle } from './subtle.js'

// One nonce buffer for every call: WebCrypto copies the IV before `encrypt`/`decrypt` returns
// (the algorithm is normalized synchronously), and nothing else runs in between. A fresh
// 12-byte array per segment cost Chromium ~4 µs each (a small array lives on V8's heap and is
// moved off it when Blink reads it) and garbage: about a tenth of the encrypt rate.
const NONCE = new Uint8Array(new ArrayBuffer(12))

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
  const sealing = subtle().encrypt(
    { name: 'AES-GCM', iv: segmentNonce(index, final, NONCE) },
    key,
    plaintext,
  )
  return new Uint8Array(await sealing)
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
  try {
    const iv = segmentNonce(index, final, NONCE)
    return new Uint8Array(await subtle().decrypt({ name: 'AES-GCM', iv }, key, ciphertext))
  } catch {
    throw decryptFailed()
  }
}
