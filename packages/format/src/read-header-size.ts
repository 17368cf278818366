import { HEADER_PREFIX_SIZE, MAX_HEADER_SIZE, MIN_HEADER_SIZE } from './constants.js'
import { FormatError } from './errors.js'
import { checkPrefix } from './header-core.js'

/**
 * Reads `header_len` from the first 12 bytes of an object, after checking magic, version, suite
 * and segment size, so a streaming reader knows how much to buffer (never more than 16 KiB).
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` or `ERR_FORMAT_VERSION_UNSUPPORTED`.
 */
export function readHeaderSize(prefix: Uint8Array): number {
  if (prefix.length < HEADER_PREFIX_SIZE) {
    throw new FormatError('ERR_FORMAT_HEADER_INVALID', 'not a Latch object (too short)')
  }
  checkPrefix(prefix)
  const size = new DataView(prefix.buffer, prefix.byteOffset, HEADER_PREFIX_SIZE).getUint32(8)
  if (size < MIN_HEADER_SIZE || size > MAX_HEADER_SIZE) {
    throw new FormatError('ERR_FORMAT_HEADER_INVALID', `header_len ${size} out of bounds`)
  }
  return size
}
