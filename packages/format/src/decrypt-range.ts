import { ENCRYPTED_SEGMENT_SIZE, SEGMENT_SIZE } from './constants.js'
import type { ObjectKeys } from './derive-object-keys.js'
import { FormatError } from './errors.js'
import { PieceQueue } from './internal/piece-queue.js'
import { openSegmentPieces } from './internal/segment-cipher.js'
import { type ByteSpan, type PlaintextRange, planRange } from './plan-range.js'

/** Reads object bytes `[span.start, span.end)` of one pinned object version (an S3 ranged GET). */
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
 * Decrypts a plaintext range with random access: when the answer depends on where the object
 * ends, it first reads and verifies the final segment; then it reads only the segments that cover
 * the range and releases each one's bytes after its tag verified.
 *
 * @throws (as a stream error) FormatError `ERR_FORMAT_RANGE_INVALID` (past the end, once the
 *   final segment verified), `ERR_FORMAT_LENGTH_INVALID`, `ERR_FORMAT_DECRYPT_FAILED`.
 */
export function decryptRange(options: DecryptRangeOptions): ReadableStream<Uint8Array> {
  const { keys, headerSize, objectSize, range, read, signal } = options
  const plan = planRange(range, objectSize, headerSize)
  const context = { keys, headerSize, objectSize, finalIndex: plan.finalIndex }
  const readOptions = signal === undefined ? {} : { signal }
  async function* generate(): AsyncGenerator<Uint8Array> {
    if (plan.verifyFirst !== undefined) {
      const input = await read(plan.verifyFirst, readOptions)
      for await (const { pieces } of openRun(context, input, plan.finalIndex, plan.finalIndex)) {
        for (const piece of pieces) piece.fill(0)
      }
    }
    const input = await read(plan.ciphertext, readOptions)
    for await (const { index, pieces } of openRun(
      context,
      input,
      plan.firstSegment,
      plan.lastSegment,
    )) {
      const base = index * SEGMENT_SIZE
      const from = Math.max(plan.plaintext.start - base, 0)
      const to = Math.min(plan.plaintext.end - base, SEGMENT_SIZE)
      yield* slice(pieces, from, to)
    }
    if (plan.unsatisfiable) {
      throw new FormatError('ERR_FORMAT_RANGE_INVALID', 'range starts past the end of the object')
    }
  }
  return ReadableStream.from(generate())
}

interface RunContext {
  readonly keys: ObjectKeys
  readonly headerSize: number
  readonly objectSize: number
  readonly finalIndex: number
}

/** Opens segments `first..last` from the bytes of exactly those segments. */
async function* openRun(
  context: RunContext,
  input: Uint8Array | AsyncIterable<Uint8Array>,
  first: number,
  last: number,
): AsyncGenerator<{ index: number; pieces: Uint8Array[] }> {
  const queue = new PieceQueue()
  let index = first
  const lengthOf = (i: number) =>
    i === context.finalIndex
      ? context.objectSize - context.headerSize - i * ENCRYPTED_SEGMENT_SIZE
      : ENCRYPTED_SEGMENT_SIZE
  const chunks = input instanceof Uint8Array ? [input] : input
  for await (const chunk of chunks) {
    queue.push(chunk)
    while (index <= last && queue.size >= lengthOf(index)) {
      const length = lengthOf(index)
      const final = index === context.finalIndex
      const pieces = openSegmentPieces(
        context.keys.payloadKey,
        index,
        final,
        queue.take(length),
        length,
      )
      yield { index: index++, pieces }
    }
    if (index > last && queue.size > 0) break
  }
  if (index <= last || queue.size > 0) {
    throw new FormatError('ERR_FORMAT_LENGTH_INVALID', 'the object changed size while being read')
  }
}

function* slice(pieces: readonly Uint8Array[], from: number, to: number): Generator<Uint8Array> {
  let offset = 0
  for (const piece of pieces) {
    const start = Math.max(from - offset, 0)
    const end = Math.min(to - offset, piece.length)
    if (end > start) yield start === 0 && end === piece.length ? piece : piece.subarray(start, end)
    offset += piece.length
  }
}
