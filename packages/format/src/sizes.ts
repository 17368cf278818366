import { ENCRYPTED_SEGMENT_SIZE, MAX_SEGMENTS, SEGMENT_SIZE, TAG_SIZE } from './constants.js'
import { FormatError } from './errors.js'

/** Number of segments of a plaintext of `plaintextLength` bytes: `⌊L / S⌋ + 1` (the final one may be empty). */
export function segmentCount(plaintextLength: number): number {
  checkLength(plaintextLength)
  return Math.floor(plaintextLength / SEGMENT_SIZE) + 1
}

/**
 * Exact object size for a plaintext: `header_len + L + 16 · (⌊L / S⌋ + 1)`.
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` for a negative or unsafe length, or one that
 *   needs 2^32 segments or more.
 */
export function ciphertextSize(plaintextLength: number, headerSize: number): number {
  const count = segmentCount(plaintextLength)
  if (count > MAX_SEGMENTS) {
    throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'plaintext needs 2^32 segments or more')
  }
  return headerSize + plaintextLength + TAG_SIZE * count
}

/**
 * Exact plaintext size of an object of `objectSize` bytes whose header is `headerSize` bytes.
 * The body must end with a final segment of 16 to 65,551 bytes. Only the final segment's tag
 * proves the object was not truncated to another valid-looking size: verify it before trusting
 * an answer that depends on the end.
 *
 * @throws FormatError `ERR_FORMAT_LENGTH_INVALID` when no body of that size exists.
 */
export function plaintextSize(objectSize: number, headerSize: number): number {
  const body = objectSize - headerSize
  if (!Number.isSafeInteger(objectSize) || body < TAG_SIZE) throw lengthInvalid()
  const count = Math.floor(body / ENCRYPTED_SEGMENT_SIZE) + 1
  const last = body - (count - 1) * ENCRYPTED_SEGMENT_SIZE
  if (last < TAG_SIZE || count > MAX_SEGMENTS) throw lengthInvalid()
  return (count - 1) * SEGMENT_SIZE + last - TAG_SIZE
}

function checkLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new FormatError(
      'ERR_FORMAT_ARGUMENT_INVALID',
      'length must be a non-negative safe integer',
    )
  }
}

function lengthInvalid(): FormatError {
  return new FormatError(
    'ERR_FORMAT_LENGTH_INVALID',
    'object size is not a valid Latch object size',
  )
}
