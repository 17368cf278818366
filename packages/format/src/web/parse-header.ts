import type { Header } from '../header.js'
import { readHeaderEntries, readHeaderStart } from '../internal/header-fields.js'
import { sha256 } from './subtle.js'

/**
 * Parses a header strictly (web build): the same checks, in the same order, as the Node build's
 * `parseHeader`, which shares the code; async only for WebCrypto's SHA-256 of the header core.
 *
 * @param bytes the object's first bytes: at least `header_len` of them (more is fine).
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` or `ERR_FORMAT_VERSION_UNSUPPORTED`.
 */
export async function parseHeader(bytes: Uint8Array): Promise<Header> {
  const start = readHeaderStart(bytes)
  return readHeaderEntries(start, await sha256(start.coreBytes))
}
