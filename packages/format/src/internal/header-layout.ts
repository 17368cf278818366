import { COMMITMENT_SIZE, MAC_SIZE, MAX_HEADER_SIZE, MIN_HEADER_SIZE } from '../constants.js'
import { FormatError } from '../errors.js'
import type { KeyEntry } from '../header.js'

/**
 * Lays out a header without its MAC, shared by both builds: the core with `header_len` and
 * `reserved` after its first 8 bytes, the entries and the commitment `C`. The MAC goes in the
 * last 32 bytes, over every byte before `macOffset`.
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` when the result would break a bound.
 */
export function layoutHeader(
  coreBytes: Uint8Array,
  entries: readonly KeyEntry[],
  commitment: Uint8Array,
): { readonly bytes: Uint8Array; readonly macOffset: number } {
  const entrySizes = entries.map((entry) => 3 + entry.kasId.length + 2 + entry.jwe.length)
  const size =
    coreBytes.length + 8 + 1 + entrySizes.reduce((a, b) => a + b, 0) + COMMITMENT_SIZE + MAC_SIZE
  if (size < MIN_HEADER_SIZE || size > MAX_HEADER_SIZE) {
    throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', `header would be ${size} bytes`)
  }
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out.set(coreBytes.subarray(0, 8), 0)
  view.setUint32(8, size)
  // bytes 12..15: reserved, zero
  out.set(coreBytes.subarray(8), 16)
  let offset = 8 + coreBytes.length
  out[offset++] = entries.length
  const writeAscii = (text: string) => {
    for (let i = 0; i < text.length; i++) out[offset++] = text.charCodeAt(i)
  }
  for (const entry of entries) {
    out[offset++] = entry.sid
    out[offset++] = entry.n
    out[offset++] = entry.kasId.length
    writeAscii(entry.kasId)
    view.setUint16(offset, entry.jwe.length)
    offset += 2
    writeAscii(entry.jwe)
  }
  out.set(commitment, offset)
  return { bytes: out, macOffset: offset + COMMITMENT_SIZE }
}
