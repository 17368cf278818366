import { ENCRYPTED_SEGMENT_SIZE, MAX_SEGMENTS, TAG_SIZE } from '../constants.js'
import { FormatError } from '../errors.js'
import type { ObjectKeys } from './derive-object-keys.js'
import { openSegmentBytes } from './segment-cipher.js'

/**
 * Decrypts and verifies one segment on its own (random access, web build): a non-final segment
 * must be 65,552 bytes, the final one 16 to 65,551.
 *
 * @throws FormatError `ERR_FORMAT_LENGTH_INVALID` for a wrong length or index;
 *   `ERR_FORMAT_DECRYPT_FAILED` when the tag does not verify.
 */
export async function openSegment(
  keys: ObjectKeys,
  index: number,
  final: boolean,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  const length = ciphertext.length
  const lengthOk = final
    ? length >= TAG_SIZE && length < ENCRYPTED_SEGMENT_SIZE
    : length === ENCRYPTED_SEGMENT_SIZE
  if (!lengthOk || !Number.isInteger(index) || index < 0 || index >= MAX_SEGMENTS) {
    throw new FormatError('ERR_FORMAT_LENGTH_INVALID', 'segment has the wrong length or index')
  }
  return openSegmentBytes(keys.payloadKey, index, final, ciphertext)
}
