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
 * The decryption of one object's bytes, fed in chunks of any size (web build): parses the header
 * as soon as it is there (buffering at most `header_len`, ≤ 16 KiB), asks for the data key,
 * authenticates the header, then emits each segment's plaintext in order and only after its tag
 * verified, with up to `concurrency` segments in WebCrypto at once. A full-length segment is
 * opened as non-final; at the end the remainder (16 to 65,551 bytes) is opened as final.
 */
class StreamDecryptor {
  readonly #resolveKey: KeyResolver
  readonly #resolveOptions: { signal?: AbortSignal }
  readonly #queue = new PieceQueue()
  readonly #jobs: OrderedJobs<Uint8Array>
  #headerSize = 0
  #keys: ObjectKeys | undefined
  #index = 0

  constructor(resolveKey: KeyResolver, options: StreamOptions & { signal?: AbortSignal }) {
    this.#resolveKey = resolveKey
    this.#resolveOptions = options.signal === undefined ? {} : { signal: options.signal }
    this.#jobs = new OrderedJobs<Uint8Array>(options.concurrency ?? DEFAULT_CONCURRENCY)
  }

  async push(chunk: Uint8Array, emit: (out: Uint8Array) => void): Promise<void> {
    const queue = this.#queue
    queue.push(chunk)
    if (this.#keys === undefined) {
      if (this.#headerSize === 0 && queue.size >= HEADER_PREFIX_SIZE) {
        this.#headerSize = readHeaderSize(queue.peek(HEADER_PREFIX_SIZE))
      }
      if (this.#headerSize === 0 || queue.size < this.#headerSize) return
      const header = await parseHeader(joinPieces(queue.take(this.#headerSize), this.#headerSize))
      const dek = await this.#resolveKey(header, this.#resolveOptions)
      try {
        this.#keys = await openHeader(header, dek)
      } finally {
        dek.fill(0)
      }
    }
    while (queue.size >= ENCRYPTED_SEGMENT_SIZE)
      await this.#open(ENCRYPTED_SEGMENT_SIZE, false, emit)
  }

  async finish(emit: (out: Uint8Array) => void): Promise<void> {
    if (this.#keys === undefined) {
      throw new FormatError('ERR_FORMAT_HEADER_INVALID', 'the object ends inside its header')
    }
    if (this.#queue.size < TAG_SIZE) {
      await this.#jobs.drain(emit)
      throw lengthInvalid('the object is truncated')
    }
    await this.#open(this.#queue.size, true, emit)
    await this.#jobs.drain(emit)
  }

  #open(length: number, final: boolean, emit: (out: Uint8Array) => void): Promise<void> {
    if (this.#index >= MAX_SEGMENTS) throw lengthInvalid('more than 2^32 segments')
    const ciphertext = joinPieces(this.#queue.take(length), length)
    const key = (this.#keys as ObjectKeys).payloadKey
    return this.#jobs.add(openSegmentBytes(key, this.#index++, final, ciphertext), emit)
  }
}

/**
 * Decrypts a stream (web build) as a `TransformStream`: see {@link decryptToStream}, which pulls
 * its source itself and is faster in Firefox. Treat the output as provisional until the stream
 * closes without error.
 *
 * @throws (as a stream error) FormatError `ERR_FORMAT_HEADER_INVALID`,
 *   `ERR_FORMAT_VERSION_UNSUPPORTED`, `ERR_FORMAT_DECRYPT_FAILED`, `ERR_FORMAT_LENGTH_INVALID`,
 *   or whatever `resolveKey` throws.
 */
export function createDecryptStream(
  resolveKey: KeyResolver,
  options: StreamOptions & { signal?: AbortSignal } = {},
): TransformStream<Uint8Array, Uint8Array> {
  const decryptor = new StreamDecryptor(resolveKey, options)
  return new TransformStream({
    transform: (chunk, controller) => decryptor.push(chunk, (out) => controller.enqueue(out)),
    flush: (controller) => decryptor.finish((out) => controller.enqueue(out)),
  })
}

/**
 * Decrypts an object's bytes from a stream, a `Blob` or a `Response` body into a stream of
 * plaintext: what a page does to download and decrypt a file. Each segment is released only
 * after its tag verified, in order; an end without a verified final segment is an error. It
 * pulls the source itself (no `pipeThrough`, which costs Firefox about a tenth of its rate).
 *
 * @throws (as a stream error) FormatError `ERR_FORMAT_HEADER_INVALID`,
 *   `ERR_FORMAT_VERSION_UNSUPPORTED`, `ERR_FORMAT_DECRYPT_FAILED`, `ERR_FORMAT_LENGTH_INVALID`,
 *   or whatever `resolveKey` throws.
 */
export function decryptToStream(
  source: Blob | ReadableStream<Uint8Array>,
  resolveKey: KeyResolver,
  options: StreamOptions & { signal?: AbortSignal } = {},
): ReadableStream<Uint8Array> {
  const input = (source instanceof ReadableStream ? source : source.stream()).getReader()
  const decryptor = new StreamDecryptor(resolveKey, options)
  let finished = false
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let emitted = 0
        const emit = (out: Uint8Array) => {
          emitted++
          controller.enqueue(out)
        }
        try {
          while (emitted === 0 && !finished) {
            const { done, value } = await input.read()
            if (done) {
              finished = true
              await decryptor.finish(emit)
            } else {
              await decryptor.push(value, emit)
            }
          }
        } catch (error) {
          // Stop reading the download: nothing after a failure is released.
          await input.cancel(error).catch(() => {})
          throw error
        }
        if (finished) controller.close()
      },
      cancel(reason) {
        return input.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
}

function lengthInvalid(message: string): FormatError {
  return new FormatError('ERR_FORMAT_LENGTH_INVALID', message)
}
