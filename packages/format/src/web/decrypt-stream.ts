import { ENCRYPTED_SEGMENT_SIZE, HEADER_PREFIX_SIZE, MAX_SEGMENTS, TAG_SIZE } from '../constants.js'
import { FormatError } from '../errors.js'
import { PieceQueue } from '../internal/piece-queue.js'
import type { KeyResolver } from '../key-resolver.js'
import { readHeaderSize } from '../read-header-size.js'
import type { ObjectKeys } from './derive-object-keys.js'
import { DEFAULT_CONCURRENCY, type StreamOptions } from './encrypt-stream.js'
import { openHeader } from './open-header.js'
import { OrderedJobs } from './ordered-jobs.js'
import { parseHeader } from './parse-header.js'
import { openSegmentBytes } from './segment-cipher.js'
import { joinPieces } from './subtle.js'

/**
 * Decrypts a stream (web build): parses the header as soon as it is there (buffering at most
 * `header_len`, ≤ 16 KiB), asks `resolveKey` for the data key, authenticates the header, then
 * releases each segment's plaintext in order and only after its tag verified, with up to
 * `concurrency` segments in WebCrypto at once. A full-length segment is opened as non-final; at
 * the end, the remainder (16 to 65,551 bytes) is opened as final; an end without a verified final
 * segment is an error. Treat the output as provisional until the stream closes without error.
 *
 * @throws (as a stream error) FormatError `ERR_FORMAT_HEADER_INVALID`,
 *   `ERR_FORMAT_VERSION_UNSUPPORTED`, `ERR_FORMAT_DECRYPT_FAILED`, `ERR_FORMAT_LENGTH_INVALID`,
 *   or whatever `resolveKey` throws.
 */
export function createDecryptStream(
  resolveKey: KeyResolver,
  options: StreamOptions & { signal?: AbortSignal } = {},
): TransformStream<Uint8Array, Uint8Array> {
  const queue = new PieceQueue()
  const jobs = new OrderedJobs<Uint8Array>(options.concurrency ?? DEFAULT_CONCURRENCY)
  const resolveOptions = options.signal === undefined ? {} : { signal: options.signal }
  let headerSize = 0
  let keys: ObjectKeys | undefined
  let index = 0
  const open = (length: number, final: boolean, emit: (out: Uint8Array) => void) => {
    if (index >= MAX_SEGMENTS) throw lengthInvalid('more than 2^32 segments')
    const ciphertext = joinPieces(queue.take(length), length)
    const key = (keys as ObjectKeys).payloadKey
    return jobs.add(openSegmentBytes(key, index++, final, ciphertext), emit)
  }
  return new TransformStream({
    async transform(chunk, controller) {
      queue.push(chunk)
      const emit = (out: Uint8Array) => controller.enqueue(out)
      if (keys === undefined) {
        if (headerSize === 0 && queue.size >= HEADER_PREFIX_SIZE) {
          headerSize = readHeaderSize(queue.peek(HEADER_PREFIX_SIZE))
        }
        if (headerSize === 0 || queue.size < headerSize) return
        const header = await parseHeader(joinPieces(queue.take(headerSize), headerSize))
        const dek = await resolveKey(header, resolveOptions)
        try {
          keys = await openHeader(header, dek)
        } finally {
          dek.fill(0)
        }
      }
      while (queue.size >= ENCRYPTED_SEGMENT_SIZE) await open(ENCRYPTED_SEGMENT_SIZE, false, emit)
    },
    async flush(controller) {
      if (keys === undefined) {
        throw new FormatError('ERR_FORMAT_HEADER_INVALID', 'the object ends inside its header')
      }
      const emit = (out: Uint8Array) => controller.enqueue(out)
      if (queue.size < TAG_SIZE) {
        await jobs.drain(emit)
        throw lengthInvalid('the object is truncated')
      }
      await open(queue.size, true, emit)
      await jobs.drain(emit)
    },
  })
}

/**
 * Decrypts an object's bytes from a stream, a `Blob` or a `Response` body into a stream of
 * plaintext: what a page does to download and decrypt a file.
 */
export function decryptToStream(
  source: Blob | ReadableStream<Uint8Array>,
  resolveKey: KeyResolver,
  options: StreamOptions & { signal?: AbortSignal } = {},
): ReadableStream<Uint8Array> {
  const input = source instanceof ReadableStream ? source : source.stream()
  return input.pipeThrough(createDecryptStream(resolveKey, options))
}

function lengthInvalid(message: string): FormatError {
  return new FormatError('ERR_FORMAT_LENGTH_INVALID', message)
}
