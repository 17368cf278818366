import {
  ENCRYPTED_SEGMENT_SIZE,
  MAX_HEADER_SIZE,
  type ObjectWriter,
  SEGMENT_SIZE,
  TAG_SIZE,
} from '@latch/format'
import type { PlaintextPart } from './read-parts.js'

/**
 * Encrypts one plaintext part into one contiguous buffer (the body of one S3 part): the header
 * first when it is part 0, then its segments, the last part ending with the final segment (empty
 * when the plaintext ends on a segment boundary). Segment indices follow from the part index, so
 * parts can be encrypted in any order; the writer refuses any index twice. Writes into `into`
 * when it is large enough.
 */
export function encryptPart(
  writer: ObjectWriter,
  part: PlaintextPart,
  partSize: number,
  into?: Buffer,
): Buffer {
  const full = Math.floor(part.data.length / SEGMENT_SIZE)
  const rest = part.data.length - full * SEGMENT_SIZE
  const segments = part.last ? full + 1 : full
  const header = part.index === 0 ? writer.header.length : 0
  const size = header + full * ENCRYPTED_SEGMENT_SIZE + (part.last ? rest + TAG_SIZE : 0)
  const out =
    into !== undefined && into.length >= size ? into.subarray(0, size) : Buffer.allocUnsafe(size)
  let offset = 0
  if (header > 0) {
    out.set(writer.header, 0)
    offset = header
  }
  const first = (part.index * partSize) / SEGMENT_SIZE
  for (let s = 0; s < segments; s++) {
    const final = part.last && s === segments - 1
    const start = s * SEGMENT_SIZE
    const plaintext = part.data.subarray(start, final ? part.data.length : start + SEGMENT_SIZE)
    // The pieces may reuse the writer's scratch buffers: copy them out before the next call.
    for (const piece of writer.encryptSegment(first + s, plaintext, final)) {
      out.set(piece, offset)
      offset += piece.length
    }
  }
  return out
}

/** The largest body {@link encryptPart} makes for parts of `partSize` bytes (part 1 of a full object). */
export function maxEncryptedPartSize(partSize: number): number {
  return MAX_HEADER_SIZE + (partSize / SEGMENT_SIZE) * ENCRYPTED_SEGMENT_SIZE + TAG_SIZE
}
