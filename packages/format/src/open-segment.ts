import { ENCRYPTED_SEGMENT_SIZE, MAX_SEGMENTS, TAG_SIZE } from './constants.js'
import type { ObjectKeys } from './derive-object-keys.js'
import { FormatError } from './errors.js'
import { openSegmentPieces } from './internal/segment-cipher.js'

/**
 * Decrypts and verifies one segment on its own (random access): a non-final segment must be
 * 65,552 bytes, the final one 16 to 65,551. Whether it is final comes from the object's size
 * (see {@link planRange}), never from the segment.
 *
 * @throws FormatError `ERR_FORMAT_LENGTH_INVALID` for a wrong length or index;
 *   `ERR_FORMAT_DECRYPT_FAILED` when the tag does not verify.
 */
export function openSegment(
  keys: ObjectKeys,
  index: number,
  final: boolean,
  ciphertext: Uint8Array,
): Uint8Array {
  const length = ciphertext.length
  const lengthOk = final
    ? length >= TAG_SIZE && length < ENCRYPTED_SEGMENT_SIZE
    : length === ENCRYPTED_SEGMENT_SIZE
  if (!lengthOk || !Number.isInteger(index) || index < 0 || index >= MAX_SEGMENTS) {
    throw new FormatError('ERR_FORMAT_LENGTH_INVALID', 'segment has the wrong length or index')
  }
  const pieces = openSegmentPieces(keys.payloadKey, index, final, [ciphertext], length)
  return pieces.length === 1 ? (pieces[0] as Uint8Array) : Buffer.concat(pieces)
}
