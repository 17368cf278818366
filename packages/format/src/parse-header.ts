import { hashHeaderCore } from './hash-header-core.js'
import type { Header } from './header.js'
import { readHeaderEntries, readHeaderStart } from './internal/header-fields.js'

/**
 * Parses a header strictly, in this order: magic, version, suite, segment size, `header_len`
 * bounds, `reserved`, the policy id, the entry count (1–4), each entry (sid, n, key-server id,
 * JWE under the profile and bound to this header core), the set of entries (one `n`, no
 * duplicate, every share present), and finally that the fields end exactly at `header_len`.
 * Nothing is authenticated yet: that needs the data key ({@link openHeader}).
 *
 * @param bytes the object's first bytes: at least `header_len` of them (more is fine).
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` or `ERR_FORMAT_VERSION_UNSUPPORTED`.
 */
export function parseHeader(bytes: Uint8Array): Header {
  const start = readHeaderStart(bytes)
  return readHeaderEntries(start, hashHeaderCore(start.coreBytes))
}
