import { createHmac } from 'node:crypto'
import { COMMITMENT_SIZE, MAC_SIZE, MAX_HEADER_SIZE, MIN_HEADER_SIZE } from './constants.js'
import type { ObjectKeys } from './derive-object-keys.js'
import { FormatError } from './errors.js'
import type { KeyEntry } from './header.js'

/**
 * Lays out a header: the core with `header_len` and `reserved` after its first 8 bytes, the
 * entries, the commitment `C`, and `HMAC-SHA-256(K_hdr, every byte before the MAC)`.
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` when the result would break a bound.
 */
export function encodeHeader(
  coreBytes: Uint8Array,
  entries: readonly KeyEntry[],
  keys: Pick<ObjectKeys, 'commitment' | 'macKey'>,
): Uint8Array {
  const entrySizes = entries.map((entry) => 3 + entry.kasId.length + 2 + entry.jwe.length)
  const size =
    coreBytes.length + 8 + 1 + entrySizes.reduce((a, b) => a + b, 0) + COMMITMENT_SIZE + MAC_SIZE
  if (size < MIN_HEADER_SIZE || size > MAX_HEADER_SIZE) {
    throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', `header would be ${size} bytes`)
  }
  const out = Buffer.alloc(size)
  out.set(coreBytes.subarray(0, 8), 0)
  out.writeUInt32BE(size, 8)
  // bytes 12..15: reserved, zero
  out.set(coreBytes.subarray(8), 16)
  let offset = 8 + coreBytes.length
  out[offset++] = entries.length
  for (const entry of entries) {
    out[offset++] = entry.sid
    out[offset++] = entry.n
    out[offset++] = entry.kasId.length
    offset += out.write(entry.kasId, offset, 'ascii')
    offset = out.writeUInt16BE(entry.jwe.length, offset)
    offset += out.write(entry.jwe, offset, 'ascii')
  }
  out.set(keys.commitment, offset)
  offset += COMMITMENT_SIZE
  createHmac('sha256', keys.macKey).update(out.subarray(0, offset)).digest().copy(out, offset)
  return out
}
