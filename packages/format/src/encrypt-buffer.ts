import type { ObjectWriter } from './object-writer.js'
import { SegmentEncryptor } from './segment-encryptor.js'
import { ciphertextSize } from './sizes.js'

/**
 * Encrypts a whole plaintext held in memory into one new buffer of exactly
 * {@link ciphertextSize} bytes.
 *
 * @throws FormatError `ERR_FORMAT_SEGMENT_REJECTED` when the writer was already used.
 */
export function encryptBuffer(writer: ObjectWriter, plaintext: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(ciphertextSize(plaintext.length, writer.header.length))
  out.set(writer.header, 0)
  let offset = writer.header.length
  const emit = (chunk: Uint8Array) => {
    out.set(chunk, offset)
    offset += chunk.length
  }
  const encryptor = new SegmentEncryptor(writer)
  encryptor.push(plaintext, emit)
  encryptor.finish(emit)
  return out
}
