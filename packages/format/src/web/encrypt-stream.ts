import { SEGMENT_SIZE } from '../constants.js'
import { PieceQueue } from '../internal/piece-queue.js'
import type { ObjectWriter } from './object-writer.js'
import { OrderedJobs } from './ordered-jobs.js'

/** How a web stream runs its segments. */
export interface StreamOptions {
  /** Segments in WebCrypto at once (default 8): memory stays about this many segments. */
  readonly concurrency?: number
}

/** Default number of segments in flight. */
export const DEFAULT_CONCURRENCY = 8

/**
 * Encrypts a stream (web build): emits the writer's header, then each segment in order as soon as
 * it is sealed, with up to `concurrency` segments in WebCrypto at once, then the final segment
 * when the input ends. Memory is bounded by the queue, whatever the size.
 *
 * @example
 * ```ts
 * const writer = await createObjectWriter({ policyId, shares: [[server]] })
 * const object = file.stream().pipeThrough(createEncryptStream(writer))
 * ```
 */
export function createEncryptStream(
  writer: ObjectWriter,
  options: StreamOptions = {},
): TransformStream<Uint8Array, Uint8Array> {
  const queue = new PieceQueue()
  const jobs = new OrderedJobs<Uint8Array>(options.concurrency ?? DEFAULT_CONCURRENCY)
  let index = 0
  return new TransformStream({
    start(controller) {
      controller.enqueue(writer.header)
    },
    async transform(chunk, controller) {
      queue.push(chunk)
      const emit = (out: Uint8Array) => controller.enqueue(out)
      while (queue.size >= SEGMENT_SIZE) {
        await jobs.add(writer.encryptSegment(index++, queue.take(SEGMENT_SIZE), false), emit)
      }
    },
    async flush(controller) {
      const emit = (out: Uint8Array) => controller.enqueue(out)
      await jobs.add(writer.encryptSegment(index++, queue.take(queue.size), true), emit)
      await jobs.drain(emit)
    },
  })
}

/**
 * Encrypts a `Blob` (a `File`) or a stream into the object's bytes, as a stream: what a page
 * uploads. It pulls the source as the stream is read, with up to `concurrency` segments in
 * WebCrypto at once, in order; memory stays about that many segments. A pull source of its own
 * rather than `pipeThrough(createEncryptStream(…))`, which costs Firefox a fifth of its rate.
 */
export function encryptToStream(
  writer: ObjectWriter,
  source: Blob | ReadableStream<Uint8Array>,
  options: StreamOptions = {},
): ReadableStream<Uint8Array> {
  const input = (source instanceof ReadableStream ? source : source.stream()).getReader()
  const limit = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY))
  const queue = new PieceQueue()
  const jobs: Promise<Uint8Array>[] = []
  let index = 0
  let ended = false
  let finalStarted = false
  let headerSent = false
  const start = (length: number, final: boolean) => {
    const job = writer.encryptSegment(index++, queue.take(length), final)
    job.catch(() => {})
    jobs.push(job)
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true
          controller.enqueue(writer.header)
          return
        }
        while (!finalStarted && jobs.length < limit) {
          // A full segment is never the final one, so it is sealed at once (no look-ahead).
          if (queue.size >= SEGMENT_SIZE) {
            start(SEGMENT_SIZE, false)
          } else if (ended) {
            start(queue.size, true)
            finalStarted = true
          } else {
            const { done, value } = await input.read()
            if (done) ended = true
            else queue.push(value)
          }
        }
        const next = jobs.shift()
        if (next === undefined) return controller.close()
        controller.enqueue(await next)
      },
      cancel(reason) {
        return input.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
}
