import { SEGMENT_SIZE } from '../constants.js'
import { ciphertextSize } from '../sizes.js'
import type { ObjectWriter } from './object-writer.js'

/**
 * Encrypts a whole plaintext held in memory into one new buffer of exactly
 * {@link ciphertextSize} bytes (web build; segments run concurrently).
 *
 * @throws FormatError `ERR_FORMAT_SEGMENT_REJECTED` when the writer was already used.
 */
export async function encryptBuffer(
  writer: ObjectWriter,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  const out = new Uint8Array(ciphertextSize(plaintext.length, writer.header.length))
  out.set(writer.header, 0)
  const count = Math.floor(plaintext.length / SEGMENT_SIZE) + 1
  const base = writer.header.length
  const jobs: Promise<void>[] = []
  for (let i = 0; i < count; i++) {
    const piece = plaintext.subarray(i * SEGMENT_SIZE, (i + 1) * SEGMENT_SIZE)
    const sealing = writer.encryptSegment(i, piece, i === count - 1)
    jobs.push(sealing.then((sealed) => out.set(sealed, base + i * (SEGMENT_SIZE + 16))))
  }
  await Promise.all(jobs)
  return out
}
