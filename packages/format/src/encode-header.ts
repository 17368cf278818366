import { createHmac } from 'node:crypto'
import type { ObjectKeys } from './derive-object-keys.js'
import type { KeyEntry } from './header.js'
import { layoutHeader } from './internal/header-layout.js'

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
  const { bytes, macOffset } = layoutHeader(coreBytes, entries, keys.commitment)
  bytes.set(
    createHmac('sha256', keys.macKey).update(bytes.subarray(0, macOffset)).digest(),
    macOffset,
  )
  return bytes
}
