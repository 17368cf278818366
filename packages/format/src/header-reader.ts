import { HEADER_PREFIX_SIZE } from './constants.js'
import { FormatError } from './errors.js'
import type { Header } from './header.js'
import { PieceQueue } from './internal/piece-queue.js'
import { parseHeader } from './parse-header.js'
import { readHeaderSize } from './read-header-size.js'

/** The header, once complete, and the body bytes that came with it. */
export interface HeaderRead {
  readonly header: Header
  readonly rest: readonly Uint8Array[]
}

/**
 * Collects a header from chunks of any size: checks the 12-byte prefix as soon as it is there,
 * buffers no more than `header_len` (≤ 16 KiB), and parses the header once complete.
 */
export class HeaderReader {
  readonly #queue = new PieceQueue()
  #size = 0

  /**
   * @returns the header and the body bytes after it, or `undefined` while incomplete.
   * @throws FormatError `ERR_FORMAT_HEADER_INVALID` or `ERR_FORMAT_VERSION_UNSUPPORTED`.
   */
  push(chunk: Uint8Array): HeaderRead | undefined {
    this.#queue.push(chunk)
    if (this.#size === 0 && this.#queue.size >= HEADER_PREFIX_SIZE) {
      this.#size = readHeaderSize(this.#queue.peek(HEADER_PREFIX_SIZE))
    }
    if (this.#size === 0 || this.#queue.size < this.#size) return undefined
    const header = parseHeader(Buffer.concat(this.#queue.take(this.#size)))
    return { header, rest: this.#queue.take(this.#queue.size) }
  }

  /**
   * Call at the end of input if {@link push} never returned a header.
   *
   * @throws FormatError `ERR_FORMAT_HEADER_INVALID`, always: the input ended inside the header.
   */
  finish(): never {
    throw new FormatError('ERR_FORMAT_HEADER_INVALID', 'the object ends inside its header')
  }
}
