import type { KeyResolver } from './key-resolver.js'
import { openHeader } from './open-header.js'
import { parseHeader } from './parse-header.js'
import { SegmentDecryptor } from './segment-decryptor.js'
import { plaintextSize } from './sizes.js'

/**
 * Decrypts a whole object held in memory. The size is checked before the key is asked for (no
 * key request for an object that cannot be valid); the plaintext is returned only when every
 * segment verified, and wiped otherwise.
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID`, `ERR_FORMAT_VERSION_UNSUPPORTED`,
 *   `ERR_FORMAT_LENGTH_INVALID`, `ERR_FORMAT_DECRYPT_FAILED`, or whatever `resolveKey` throws.
 */
export async function decryptBuffer(
  object: Uint8Array,
  resolveKey: KeyResolver,
  options: { signal?: AbortSignal } = {},
): Promise<Uint8Array> {
  const header = parseHeader(object)
  const out = Buffer.allocUnsafe(plaintextSize(object.length, header.bytes.length))
  const dek = await resolveKey(header, options)
  let offset = 0
  try {
    const decryptor = new SegmentDecryptor(openHeader(header, dek))
    const emit = (chunk: Uint8Array) => {
      out.set(chunk, offset)
      offset += chunk.length
    }
    decryptor.push(object.subarray(header.bytes.length), emit)
    decryptor.finish(emit)
  } catch (error) {
    out.fill(0)
    throw error
  } finally {
    dek.fill(0)
  }
  return out
}
