/** One part of the plaintext: `partSize` bytes except the last, which may be shorter or empty. */
export interface PlaintextPart {
  /** 0-based. */
  readonly index: number
  readonly data: Buffer
  readonly last: boolean
  /** The buffer `data` lives in, to give back to its pool once the part is encrypted. */
  readonly buffer: Buffer
}

// The first part starts small and grows, so a 1 KiB object does not cost a whole part buffer.
const FIRST_SIZE = 64 * 1024

/**
 * Cuts a byte source into parts of exactly `partSize` bytes, copying each chunk once, and tells
 * which part is the last by holding one full part back until more input (or the end) arrives:
 * the last part carries the object's final segment. Full-size buffers come from `take`.
 */
export async function* readParts(
  source: AsyncIterable<Uint8Array>,
  partSize: number,
  take: () => Buffer = () => Buffer.allocUnsafe(partSize),
): AsyncGenerator<PlaintextPart> {
  let index = 0
  let current: Buffer = Buffer.allocUnsafe(Math.min(partSize, FIRST_SIZE))
  let filled = 0
  let held: Buffer | undefined
  for await (const chunk of source) {
    let offset = 0
    while (offset < chunk.length) {
      if (filled === current.length) {
        if (current.length < partSize) {
          const bigger =
            current.length * 4 >= partSize ? take() : Buffer.allocUnsafe(current.length * 4)
          bigger.set(current.subarray(0, filled))
          current = bigger
        } else {
          if (held !== undefined) yield { index: index++, data: held, last: false, buffer: held }
          held = current
          current = take()
          filled = 0
        }
      }
      const n = Math.min(current.length - filled, chunk.length - offset)
      current.set(chunk.subarray(offset, offset + n), filled)
      filled += n
      offset += n
    }
  }
  if (held !== undefined && filled === 0) {
    yield { index: index++, data: held, last: true, buffer: held }
    return
  }
  if (held !== undefined) yield { index: index++, data: held, last: false, buffer: held }
  yield { index, data: current.subarray(0, filled), last: true, buffer: current }
}
