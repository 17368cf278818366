import { SEGMENT_SIZE } from './constants.js'
import { PieceQueue } from './internal/piece-queue.js'
import type { ObjectWriter } from './object-writer.js'

/** Receives output bytes in order. Chunks are new memory that the receiver may keep. */
export type Emit = (chunk: Uint8Array) => void

/**
 * The synchronous core of streaming encryption: takes plaintext in chunks of any size, emits
 * each segment as soon as 65,536 bytes are there (a full segment is never the final one, so no
 * look-ahead), and the short or empty final segment on {@link finish}. Memory: one segment of
 * input by reference, never a copy of the whole object.
 */
export class SegmentEncryptor {
  readonly #writer: ObjectWriter
  readonly #queue = new PieceQueue()
  #index = 0
  #finished = false

  constructor(writer: ObjectWriter) {
    this.#writer = writer
  }

  /** Encrypts every whole segment now available. */
  push(chunk: Uint8Array, emit: Emit): void {
    this.#queue.push(chunk)
    while (this.#queue.size >= SEGMENT_SIZE) this.#seal(SEGMENT_SIZE, false, emit)
  }

  /** Encrypts the final segment (shorter than 65,536 bytes, maybe empty). Call once, at the end. */
  finish(emit: Emit): void {
    if (this.#finished) return
    this.#finished = true
    this.#seal(this.#queue.size, true, emit)
  }

  #seal(length: number, final: boolean, emit: Emit): void {
    const pieces = this.#queue.take(length)
    for (const out of this.#writer.encryptSegment(this.#index++, pieces, final)) emit(out)
  }
}
