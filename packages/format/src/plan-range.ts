import { ENCRYPTED_SEGMENT_SIZE, SEGMENT_SIZE } from './constants.js'
import { FormatError } from './errors.js'
import { plaintextSize } from './sizes.js'

/**
 * A plaintext byte range, as in HTTP: `first` to `last` inclusive (`last` omitted or past the end
 * means "to the end"), or the last `suffixLength` bytes.
 */
export type PlaintextRange =
  | { readonly first: number; readonly last?: number }
  | { readonly suffixLength: number }

/** A span of the object's bytes, `start` inclusive to `end` exclusive. */
export interface ByteSpan {
  readonly start: number
  readonly end: number
}

/** How to answer a range: which segments to fetch and verify, and which plaintext to keep. */
export interface RangePlan {
  /** The plaintext length the object's size implies (trusted only once the final segment verified). */
  readonly plaintextLength: number
  /** Index of the final segment. */
  readonly finalIndex: number
  /** The plaintext bytes answered, `start` inclusive to `end` exclusive; empty when unsatisfiable. */
  readonly plaintext: ByteSpan
  /** Segments that cover the answer, first and last inclusive. */
  readonly firstSegment: number
  readonly lastSegment: number
  /** The object bytes of those segments. */
  readonly ciphertext: ByteSpan
  /**
   * Present when the answer depends on where the object ends (a suffix, an open or clamped end,
   * or a range past the end) and the covering segments do not start at the final one: these
   * bytes, the final segment, must be fetched and verified before anything is released.
   */
  readonly verifyFirst?: ByteSpan
  /** True when the range is past the end: after verifying the final segment, answer "invalid range". */
  readonly unsatisfiable: boolean
}

/**
 * Maps a plaintext range to the segments and object bytes that cover it (for S3 ranged GETs). For
 * plaintext `[a, b]`: segments `⌊a/S⌋ … ⌊b/S⌋`, object bytes `[H + i0·E, H + (i1+1)·E)`, clipped
 * to the object.
 *
 * @throws FormatError `ERR_FORMAT_LENGTH_INVALID` when `objectSize` is impossible;
 *   `ERR_FORMAT_RANGE_INVALID` when the range itself is malformed (negative, `last < first`).
 */
export function planRange(
  range: PlaintextRange,
  objectSize: number,
  headerSize: number,
): RangePlan {
  const length = plaintextSize(objectSize, headerSize)
  const finalIndex = Math.floor(length / SEGMENT_SIZE)
  let start: number
  let end: number
  let dependsOnEnd: boolean
  if ('suffixLength' in range) {
    if (!isIndex(range.suffixLength) || range.suffixLength === 0) throw rangeInvalid()
    start = Math.max(0, length - range.suffixLength)
    end = length
    dependsOnEnd = true
  } else {
    const { first, last } = range
    if (!isIndex(first) || (last !== undefined && (!isIndex(last) || last < first))) {
      throw rangeInvalid()
    }
    start = first
    end = last === undefined ? length : Math.min(last + 1, length)
    dependsOnEnd = last === undefined || last + 1 > length
  }
  const unsatisfiable = start >= length
  if (unsatisfiable) {
    start = length
    end = length
  }
  const firstSegment = unsatisfiable ? finalIndex : Math.floor(start / SEGMENT_SIZE)
  const lastSegment = unsatisfiable ? finalIndex : Math.floor((end - 1) / SEGMENT_SIZE)
  const plan = {
    plaintextLength: length,
    finalIndex,
    plaintext: { start, end },
    firstSegment,
    lastSegment,
    ciphertext: segmentSpan(firstSegment, lastSegment, headerSize, objectSize),
    unsatisfiable,
  }
  return dependsOnEnd && firstSegment < finalIndex
    ? { ...plan, verifyFirst: segmentSpan(finalIndex, finalIndex, headerSize, objectSize) }
    : plan
}

function segmentSpan(
  first: number,
  last: number,
  headerSize: number,
  objectSize: number,
): ByteSpan {
  return {
    start: headerSize + first * ENCRYPTED_SEGMENT_SIZE,
    end: Math.min(headerSize + (last + 1) * ENCRYPTED_SEGMENT_SIZE, objectSize),
  }
}

function isIndex(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0
}

function rangeInvalid(): FormatError {
  return new FormatError('ERR_FORMAT_RANGE_INVALID', 'malformed byte range')
}
