import { HeaderReader } from './header-reader.js'
import type { KeyResolver } from './key-resolver.js'
import { openHeader } from './open-header.js'
import { SegmentDecryptor } from './segment-decryptor.js'

/**
 * Decrypts a stream: parses the header as soon as it is there, asks `resolveKey` for the data key,
 * authenticates the header, then releases each segment's plaintext only after its tag verified.
 * The stream errors (and releases nothing more) on the first failure, including an end of input
 * without a verified final segment. Treat the output as provisional until the stream closes
 * without error.
 *
 * @throws (as a stream error) FormatError `ERR_FORMAT_HEADER_INVALID`,
 *   `ERR_FORMAT_VERSION_UNSUPPORTED`, `ERR_FORMAT_DECRYPT_FAILED`, `ERR_FORMAT_LENGTH_INVALID`,
 *   or whatever `resolveKey` throws.
 */
export function createDecryptStream(
  resolveKey: KeyResolver,
  options: { signal?: AbortSignal } = {},
): TransformStream<Uint8Array, Uint8Array> {
  const headerReader = new HeaderReader()
  let decryptor: SegmentDecryptor | undefined
  return new TransformStream({
    // Synchronous once the key is known: an async transform costs a promise per chunk.
    transform(chunk, controller) {
      const emit = (out: Uint8Array) => controller.enqueue(out)
      if (decryptor !== undefined) return decryptor.push(chunk, emit)
      const read = headerReader.push(chunk)
      if (read === undefined) return
      return resolveKey(read.header, options).then((dek) => {
        try {
          decryptor = new SegmentDecryptor(openHeader(read.header, dek))
        } finally {
          dek.fill(0)
        }
        for (const piece of read.rest) decryptor.push(piece, emit)
      })
    },
    flush(controller) {
      if (decryptor === undefined) return headerReader.finish()
      decryptor.finish((out) => controller.enqueue(out))
    },
  })
}
