import { SEGMENT_SIZE } from '@latch/format/web'

const PERIOD = 251
const TABLE = Uint8Array.from({ length: SEGMENT_SIZE + PERIOD }, (_, i) => i % PERIOD)

/**
 * The vectors' plaintext: byte i is `i mod 251` (a prime, so segments differ from each other).
 * Yields views of one shared table, at most 64 KiB each: any size costs no memory.
 */
export function* patternChunks(length: number, chunkSize = SEGMENT_SIZE): Generator<Uint8Array> {
  const size = Math.min(chunkSize, SEGMENT_SIZE)
  for (let offset = 0; offset < length; offset += size) {
    const phase = offset % PERIOD
    yield TABLE.subarray(phase, phase + Math.min(size, length - offset))
  }
}

/** The pattern plaintext of `length` bytes in one buffer. */
export function patternBytes(length: number): Uint8Array {
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of patternChunks(length)) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}
