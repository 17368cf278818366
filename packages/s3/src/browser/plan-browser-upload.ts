import {
  ciphertextSize,
  ENCRYPTED_SEGMENT_SIZE,
  MAX_HEADER_SIZE,
  SEGMENT_SIZE,
  TAG_SIZE,
} from '@latch/format'
import { S3Error } from '../errors.js'

/** One S3 part of a browser upload: which plaintext bytes it encrypts and how many bytes it is. */
export interface PlannedPart {
  /** S3 part number, from 1. */
  readonly partNumber: number
  /** Plaintext byte range `[plaintextStart, plaintextEnd)` of the file. */
  readonly plaintextStart: number
  readonly plaintextEnd: number
  /** Index of the first segment it encrypts (`plaintextStart / 64 KiB`). */
  readonly firstSegment: number
  /** Whether it starts with the header (part 1) and ends with the final segment (the last part). */
  readonly withHeader: boolean
  readonly last: boolean
  /** Exact ciphertext bytes of the part: the `Content-Length` its presigned URL pins. */
  readonly size: number
}

/** How a file of a known size is encrypted into S3 parts. */
export interface BrowserUploadPlan {
  readonly plaintextSize: number
  readonly headerSize: number
  /** Plaintext bytes per part (the last may be shorter). */
  readonly partSize: number
  /** Exact size of the stored object. */
  readonly objectSize: number
  readonly parts: readonly PlannedPart[]
}

const MIB = 1024 * 1024
// Format §2: no header is shorter (the fixed fields and one key entry).
const MIN_HEADER_SIZE = 128
/** S3's smallest part but the last. */
export const MIN_PART_SIZE = 5 * MIB
/** S3's most parts per upload. */
const MAX_PARTS = 10_000

/**
 * Plans the parts of an encrypted upload: part `i` encrypts plaintext `[i·P, (i+1)·P)`, part 1
 * also carries the header, and the last ends with the final segment (empty when the plaintext ends
 * on a segment boundary). The sizes add up to {@link ciphertextSize} exactly, so S3 stores nothing
 * more or less than a Latch object of that plaintext.
 *
 * @param plaintextSize the file's size in bytes.
 * @param headerSize the header's size, which the browser knows once it made the header (it
 *   depends on the key server's entries); 128 to 16,384 bytes.
 * @param partSize plaintext bytes per part: a multiple of 64 KiB, at least 5 MiB. Default 8 MiB.
 * @throws S3Error `ERR_S3_ARGUMENT_INVALID` for sizes out of range or more than 10,000 parts.
 */
export function planBrowserUpload(
  plaintextSize: number,
  headerSize: number,
  partSize = 8 * MIB,
): BrowserUploadPlan {
  if (!Number.isSafeInteger(plaintextSize) || plaintextSize < 0) {
    throw invalid('plaintextSize must be a non-negative integer')
  }
  if (
    !Number.isSafeInteger(headerSize) ||
    headerSize < MIN_HEADER_SIZE ||
    headerSize > MAX_HEADER_SIZE
  ) {
    throw invalid(`headerSize must be ${MIN_HEADER_SIZE} to ${MAX_HEADER_SIZE} bytes`)
  }
  if (
    !Number.isSafeInteger(partSize) ||
    partSize < MIN_PART_SIZE ||
    partSize % SEGMENT_SIZE !== 0
  ) {
    throw invalid('partSize must be a multiple of 64 KiB, at least 5 MiB')
  }
  const count = Math.max(1, Math.ceil(plaintextSize / partSize))
  if (count > MAX_PARTS)
    throw invalid(`a plaintext of ${plaintextSize} bytes needs more than 10,000 parts`)
  const parts: PlannedPart[] = []
  for (let i = 0; i < count; i++) {
    const start = i * partSize
    const end = Math.min(start + partSize, plaintextSize)
    const last = i === count - 1
    const full = Math.floor((end - start) / SEGMENT_SIZE)
    const rest = end - start - full * SEGMENT_SIZE
    const size =
      (i === 0 ? headerSize : 0) +
      (last ? full * ENCRYPTED_SEGMENT_SIZE + rest + TAG_SIZE : full * ENCRYPTED_SEGMENT_SIZE)
    parts.push({
      partNumber: i + 1,
      plaintextStart: start,
      plaintextEnd: end,
      firstSegment: start / SEGMENT_SIZE,
      withHeader: i === 0,
      last,
      size,
    })
  }
  return {
    plaintextSize,
    headerSize,
    partSize,
    objectSize: ciphertextSize(plaintextSize, headerSize),
    parts,
  }
}

function invalid(message: string): S3Error {
  return new S3Error('ERR_S3_ARGUMENT_INVALID', message)
}
