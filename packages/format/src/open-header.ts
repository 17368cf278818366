import { createHmac, timingSafeEqual } from 'node:crypto'
import { deriveObjectKeys, type ObjectKeys } from './derive-object-keys.js'
import { decryptFailed } from './errors.js'
import type { Header } from './header.js'

/**
 * Authenticates a parsed header with the data key: derives the object's keys, checks the key
 * commitment `C` (constant time) before the key is used for anything, then the header MAC.
 *
 * @returns the object's keys, ready to open segments.
 * @throws FormatError `ERR_FORMAT_DECRYPT_FAILED` (one code for both checks).
 */
export function openHeader(header: Header, dek: Uint8Array): ObjectKeys {
  const keys = deriveObjectKeys(dek, header.core.salt, header.coreHash)
  if (!timingSafeEqual(keys.commitment, header.commitment)) throw decryptFailed()
  const macOffset = header.bytes.length - header.mac.length
  const mac = createHmac('sha256', keys.macKey).update(header.bytes.subarray(0, macOffset)).digest()
  if (!timingSafeEqual(mac, header.mac)) throw decryptFailed()
  return keys
}
