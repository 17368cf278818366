import { MAX_SEGMENTS, SEGMENT_SIZE } from '../constants.js'
import { FormatError } from '../errors.js'
import { IndexSet } from './index-set.js'

/**
 * The segment indices a writer has used, shared by both builds. It refuses an index used twice,
 * anything after the final segment and indices ≥ 2^32, because a repeated nonce under one GCM
 * key would break both confidentiality and integrity.
 */
export class SegmentClaims {
  readonly #used = new IndexSet()
  #finalIndex = -1

  /**
   * Claims `index` for a segment of `length` plaintext bytes.
   *
   * @throws FormatError `ERR_FORMAT_SEGMENT_REJECTED`.
   */
  claim(index: number, length: number, final: boolean): void {
    const reject = (why: string) => new FormatError('ERR_FORMAT_SEGMENT_REJECTED', why)
    if (!Number.isInteger(index) || index < 0 || index >= MAX_SEGMENTS) throw reject('bad index')
    if (final ? length >= SEGMENT_SIZE : length !== SEGMENT_SIZE) {
      throw reject('a segment is 65,536 bytes, the final one fewer')
    }
    if (this.#used.has(index)) throw reject(`segment ${index} was already encrypted`)
    if (this.#finalIndex >= 0 && index > this.#finalIndex) throw reject('segment after the final')
    if (final && this.#used.max > index) throw reject('final segment before a later one')
    this.#used.add(index)
    if (final) this.#finalIndex = index
  }
}
