import { ENCRYPTED_SEGMENT_SIZE, MAX_SEGMENTS, TAG_SIZE } from './constants.js'
import type { ObjectKeys } from './derive-object-keys.js'
import { FormatError } from './errors.js'
import { PieceQueue } from './internal/piece-queue.js'
import { openSegmentPieces, segmentScratch } from './internal/segment-cipher.js'
import type { Emit } from './segment-encryptor.js'

/**
 * The synchronous core of streaming decryption of a body (everything after the header). Takes
 * ciphertext in chunks of any size and emits a segment's plaintext only after its tag verified.
 * A full-length segment is opened as non-final at once; at the end, the remainder (16 to 65,551
 * bytes) is opened as final. The end without a verified final segment is an error, and so is a
 * remainder shorter than a tag. Memory: one segment, by reference.
 */
export class SegmentDecryptor {
  readonly #keys: ObjectKeys
  readonly #queue = new PieceQueue()
  readonly #scratch = segmentScratch()
  #index = 0
  #done = false

  constructor(keys: ObjectKeys) {
    this.#keys = keys
  }

  /**
   * Opens every whole segment now available.
   *
   * @throws FormatError `ERR_FORMAT_DECRYPT_FAILED`, or `ERR_FORMAT_LENGTH_INVALID` past 2^32 segments.
   */
  push(chunk: Uint8Array, emit: Emit): void {
    if (this.#done) throw lengthInvalid('data after the end')
    this.#queue.push(chunk)
    while (this.#queue.size >= ENCRYPTED_SEGMENT_SIZE)
      this.#open(ENCRYPTED_SEGMENT_SIZE, false, emit)
  }

  /**
   * Opens the final segment. Call once, at the end of input.
   *
   * @throws FormatError `ERR_FORMAT_LENGTH_INVALID` (no final segment: truncated) or
   *   `ERR_FORMAT_DECRYPT_FAILED`.
   */
  finish(emit: Emit): void {
    if (this.#done) return
    if (this.#queue.size < TAG_SIZE) throw lengthInvalid('the object is truncated')
    this.#open(this.#queue.size, true, emit)
    this.#done = true
  }

  #open(length: number, final: boolean, emit: Emit): void {
    if (this.#index >= MAX_SEGMENTS) throw lengthInvalid('more than 2^32 segments')
    const pieces = this.#queue.take(length)
    const key = this.#keys.payloadKey
    const index = this.#index++
    for (const out of openSegmentPieces(key, index, final, pieces, length, this.#scratch)) emit(out)
  }
}

function lengthInvalid(message: string): FormatError {
  return new FormatError('ERR_FORMAT_LENGTH_INVALID', message)
}
