/** One part of the plaintext: `partSize` bytes except the last, which may be shorter or empty. */
export interface PlaintextPart {
  /** 0-based. */
  readonly index: number
  readonly data: Buffer
  readonly last: boolean
}

/**
 * Cuts a byte source into parts of exactly `partSize` bytes, copying each chunk once, and tells
 * which part is the last by holding one full part back until more input (or the end) arrives:
 * the last part carries the object's final segment.
 */
export async function* readParts(
  source: AsyncIterable<Uint8Array>,
  partSize: number,
): AsyncGenerator<PlaintextPart> {
  let index = 0
  let current = Buffer.allocUnsafe(partSize)
  let filled = 0
  let held: Buffer | undefined
  for await (const chunk of source) {
    let offset = 0
    while (offset < chunk.length) {
      if (filled === partSize) {
        if (held !== undefined) yield { index: index++, data: held, last: false }
        held = current
        current = Buffer.allocUnsafe(partSize)
        filled = 0
      }
      const n = Math.min(partSize - filled, chunk.length - offset)
      current.set(chunk.subarray(offset, offset + n), filled)
      filled += n
      offset += n
    }
  }
  if (held !== undefined && filled === 0) {
    yield { index: index++, data: held, last: true }
    return
  }
  if (held !== undefined) yield { index: index++, data: held, last: false }
  yield { index, data: current.subarray(0, filled), last: true }
}
