import { ENCRYPTED_SEGMENT_SIZE, SEGMENT_SIZE } from '../constants.js'
import { FormatError } from '../errors.js'
import { PieceQueue } from '../internal/piece-queue.js'
import { type ByteSpan, type PlaintextRange, planRange } from '../plan-range.js'
import type { ObjectKeys } from './derive-object-keys.js'
import { openSegmentBytes } from './segment-cipher.js'
import { joinPieces } from './subtle.js'

/** Reads object bytes `[span.start, span.end)` of one pinned object version (an HTTP range GET). */
export type ReadSpan = (
  span: ByteSpan,
  options: { signal?: AbortSignal },
) => Promise<Uint8Array | AsyncIterable<Uint8Array>>

/** What {@link decryptRange} needs: the object's keys and size, the range, and a reader. */
export interface DecryptRangeOptions {
  readonly keys: ObjectKeys
  readonly headerSize: number
  /** The object's total size, from the same version as every read. */
  readonly objectSize: number
  readonly range: PlaintextRange
  readonly read: ReadSpan
  readonly signal?: AbortSignal
}

/**
 * Decrypts a plaintext range with random access (web build; the plan is the Node build's
 * `planRange`): when the answer depends on where the object ends, it first reads and verifies the
 * final segment; then it reads only the segments that cover the range and releases each one's
 * bytes after its tag verified.
 *
 * @throws (as a stream error) FormatError `ERR_FORMAT_RANGE_INVALID`,
 *   `ERR_FORMAT_LENGTH_INVALID`, `ERR_FORMAT_DECRYPT_FAILED`.
 */
export function decryptRange(options: DecryptRangeOptions): ReadableStream<Uint8Array> {
  const { keys, headerSize, objectSize, range, read, signal } = options
  const plan = planRange(range, objectSize, headerSize)
  const lengthOf = (i: number) =>
    i === plan.finalIndex
      ? objectSize - headerSize - i * ENCRYPTED_SEGMENT_SIZE
      : ENCRYPTED_SEGMENT_SIZE
  const readOptions = signal === undefined ? {} : { signal }

  async function* openRun(
    first: number,
    last: number,
    input: Uint8Array | AsyncIterable<Uint8Array>,
  ) {
    const queue = new PieceQueue()
    let index = first
    const chunks = input instanceof Uint8Array ? [input] : input
    for await (const chunk of chunks) {
      queue.push(chunk)
      while (index <= last && queue.size >= lengthOf(index)) {
        const length = lengthOf(index)
        const ciphertext = joinPieces(queue.take(length), length)
        const final = index === plan.finalIndex
        yield { index, plain: await openSegmentBytes(keys.payloadKey, index++, final, ciphertext) }
      }
      if (index > last && queue.size > 0) break
    }
    if (index <= last || queue.size > 0) {
      throw new FormatError('ERR_FORMAT_LENGTH_INVALID', 'the object changed size while being read')
    }
  }

  async function* generate(): AsyncGenerator<Uint8Array> {
    if (plan.verifyFirst !== undefined) {
      const input = await read(plan.verifyFirst, readOptions)
      for await (const { plain } of openRun(plan.finalIndex, plan.finalIndex, input)) plain.fill(0)
    }
    const input = await read(plan.ciphertext, readOptions)
    for await (const { index, plain } of openRun(plan.firstSegment, plan.lastSegment, input)) {
      const base = index * SEGMENT_SIZE
      const from = Math.max(plan.plaintext.start - base, 0)
      const to = Math.min(plan.plaintext.end - base, plain.length)
      if (to > from) yield from === 0 && to === plain.length ? plain : plain.subarray(from, to)
    }
    if (plan.unsatisfiable) {
      throw new FormatError('ERR_FORMAT_RANGE_INVALID', 'range starts past the end of the object')
    }
  }
  return streamFrom(generate())
}

// ReadableStream.from is missing from some browsers the web build supports.
function streamFrom(source: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      const next = await source.next()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
    async cancel(reason) {
      await source.return(reason)
    },
  })
}
