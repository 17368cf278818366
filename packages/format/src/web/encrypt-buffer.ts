import { SEGMENT_SIZE } from '../constants.js'
import { ciphertextSize } from '../sizes.js'
import { DEFAULT_CONCURRENCY, type StreamOptions } from './encrypt-stream.js'
import { inLanes } from './in-lanes.js'
import type { ObjectWriter } from './object-writer.js'

/**
 * Encrypts a whole plaintext held in memory into one new buffer of exactly
 * {@link ciphertextSize} bytes (web build): up to `concurrency` segments in WebCrypto at once,
 * each written into the buffer as soon as it is sealed, so WebCrypto's copies of the inputs stay
 * a few segments whatever the size (starting every segment at once held a second plaintext).
 *
 * @throws FormatError `ERR_FORMAT_SEGMENT_REJECTED` when the writer was already used.
 */
export async function encryptBuffer(
  writer: ObjectWriter,
  plaintext: Uint8Array,
  options: StreamOptions = {},
): Promise<Uint8Array> {
  const out = new Uint8Array(ciphertextSize(plaintext.length, writer.header.length))
  out.set(writer.header, 0)
  const count = Math.floor(plaintext.length / SEGMENT_SIZE) + 1
  const base = writer.header.length
  await inLanes(count, options.concurrency ?? DEFAULT_CONCURRENCY, async (i) => {
    const piece = plaintext.subarray(i * SEGMENT_SIZE, (i + 1) * SEGMENT_SIZE)
    const sealed = await writer.encryptSegment(i, piece, i === count - 1)
    out.set(sealed, base + i * (SEGMENT_SIZE + 16))
  })
  return out
}
