import { ENCRYPTED_SEGMENT_SIZE, MAX_SEGMENTS, TAG_SIZE } from './constants.js'
import type { ObjectKeys } from './derive-object-keys.js'
import { FormatError } from './errors.js'
import { PieceQueue } from './internal/piece-queue.js'
import { openSegmentPieces, segmentScratch } from './internal/segment-cipher.js'
import type { Emit } from './segment-encryptor.js'

/** Which segments a {@link SegmentRunDecryptor} opens, and where the object ends. */
export interface SegmentRun {
  /** Index of the run's first segment. */
  readonly first: number
  /** Index of the run's last segment (inclusive). */
  readonly last: number
  /** Index of the object's final segment, from the object's size (see {@link planRange}). */
  readonly finalIndex: number
  /** Ciphertext bytes of the final segment: `objectSize − headerSize − finalIndex · 65,552`. */
  readonly finalLength: number
}

/**
 * The synchronous core of decrypting a run of consecutive segments `first..last` of one object
 * (the bytes of an S3 ranged GET), fed in chunks of any size. Each segment's plaintext is emitted
 * only after its tag verified; the segment at `finalIndex` is opened as final, every other as
 * non-final, so a run cut from a truncated or extended object fails as the whole stream would.
 * Memory: one segment, by reference.
 */
export class SegmentRunDecryptor {
  readonly #keys: ObjectKeys
  readonly #run: SegmentRun
  readonly #queue = new PieceQueue()
  readonly #scratch = segmentScratch()
  #index: number

  /**
   * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` for a run outside the object.
   */
  constructor(keys: ObjectKeys, run: SegmentRun) {
    const { first, last, finalIndex, finalLength } = run
    const valid =
      Number.isSafeInteger(first) &&
      first >= 0 &&
      Number.isSafeInteger(last) &&
      last >= first &&
      last <= finalIndex &&
      finalIndex < MAX_SEGMENTS &&
      finalLength >= TAG_SIZE &&
      finalLength < ENCRYPTED_SEGMENT_SIZE
    if (!valid) throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'invalid segment run')
    this.#keys = keys
    this.#run = run
    this.#index = first
  }

  /**
   * Opens every whole segment of the run now available.
   *
   * @throws FormatError `ERR_FORMAT_DECRYPT_FAILED`; `ERR_FORMAT_LENGTH_INVALID` for bytes past
   *   the run's end.
   */
  push(chunk: Uint8Array, emit: Emit): void {
    this.#queue.push(chunk)
    for (;;) {
      if (this.#index > this.#run.last) {
        if (this.#queue.size > 0) throw lengthInvalid()
        return
      }
      const length = this.#lengthOf(this.#index)
      if (this.#queue.size < length) return
      const index = this.#index++
      const final = index === this.#run.finalIndex
      const pieces = this.#queue.take(length)
      const key = this.#keys.payloadKey
      for (const out of openSegmentPieces(key, index, final, pieces, length, this.#scratch)) {
        emit(out)
      }
    }
  }

  /**
   * Checks that the run ended where it should. Call once, at the end of input.
   *
   * @throws FormatError `ERR_FORMAT_LENGTH_INVALID` when segments are missing.
   */
  finish(): void {
    if (this.#index <= this.#run.last || this.#queue.size > 0) throw lengthInvalid()
  }

  #lengthOf(index: number): number {
    return index === this.#run.finalIndex ? this.#run.finalLength : ENCRYPTED_SEGMENT_SIZE
  }
}

function lengthInvalid(): FormatError {
  return new FormatError('ERR_FORMAT_LENGTH_INVALID', 'the object changed size while being read')
}
