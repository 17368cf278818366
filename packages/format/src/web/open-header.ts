import { decryptFailed } from '../errors.js'
import type { Header } from '../header.js'
import { deriveObjectKeys, type ObjectKeys } from './derive-object-keys.js'
import { equalBytes, subtle } from './subtle.js'

/**
 * Authenticates a parsed header with the data key (web build): derives the object's keys, checks
 * the key commitment `C` (constant time) before the key is used for anything, then the header MAC
 * (WebCrypto's HMAC verify).
 *
 * @returns the object's keys, ready to open segments.
 * @throws FormatError `ERR_FORMAT_DECRYPT_FAILED` (one code for both checks).
 */
export async function openHeader(header: Header, dek: Uint8Array): Promise<ObjectKeys> {
  const keys = await deriveObjectKeys(dek, header.core.salt, header.coreHash)
  if (!equalBytes(keys.commitment, header.commitment)) throw decryptFailed()
  const macOffset = header.bytes.length - header.mac.length
  const data = header.bytes.subarray(0, macOffset)
  if (!(await subtle().verify('HMAC', keys.macKey, header.mac, data))) throw decryptFailed()
  return keys
}
