import { Readable } from 'node:stream'
import { ENCRYPTED_SEGMENT_SIZE, type ObjectKeys, SegmentRunDecryptor } from '@latch/format'

/** How {@link rangedBody} splits and fetches an object's body. */
export interface RangedBodyOptions {
  readonly keys: ObjectKeys
  readonly headerSize: number
  readonly objectSize: number
  /** Index of the final segment (`planRange`'s `finalIndex`). */
  readonly finalIndex: number
  /** Segments per ranged GET. */
  readonly segmentsPerRange: number
  /** Ranged GETs in flight at once. */
  readonly concurrency: number
  /** Object bytes `[start, end)` of the pinned version; must stop when `signal` aborts. */
  readonly read: (start: number, end: number, signal: AbortSignal) => Promise<Readable>
  readonly signal?: AbortSignal
}

// Plaintext a range decrypts before its answer is paused, until the ranges before it are released.
const AHEAD_BYTES = 1024 * 1024

/** One ranged GET: its verified plaintext waits here until every range before it was released. */
interface RangeTask {
  readonly pieces: Uint8Array[]
  /** Plaintext bytes in `pieces`. */
  bytes: number
  source: Readable | undefined
  done: boolean
  failed: boolean
  error: unknown
  wake: (() => void) | undefined
}

/**
 * The plaintext of a whole object fetched as ranged GETs of whole segments, `concurrency` at once,
 * each decrypted as it arrives and released strictly in order. A segment is released only after
 * its tag verified and every segment before it was released; the final segment is opened as final,
 * so a truncated object fails as the one-stream download does. The first failure of any range
 * ends the stream: nothing more is released, and every request in flight is aborted, as on
 * `destroy()` or when `signal` aborts. Memory: at most `concurrency` ranges of plaintext.
 */
export function rangedBody(options: RangedBodyOptions): Readable {
  const { keys, headerSize, objectSize, finalIndex, segmentsPerRange, concurrency } = options
  const controller = new AbortController()
  const outer = options.signal
  const onOuterAbort = () => controller.abort(outer?.reason)
  if (outer?.aborted === true) controller.abort(outer.reason)
  else outer?.addEventListener('abort', onOuterAbort, { once: true })
  const finalLength = objectSize - headerSize - finalIndex * ENCRYPTED_SEGMENT_SIZE
  const rangeCount = Math.floor(finalIndex / segmentsPerRange) + 1
  const tasks: RangeTask[] = []
  let failure: RangeTask | undefined

  const start = (range: number): RangeTask => {
    const task: RangeTask = {
      pieces: [],
      bytes: 0,
      source: undefined,
      done: false,
      failed: false,
      error: undefined,
      wake: undefined,
    }
    const first = range * segmentsPerRange
    const last = Math.min(first + segmentsPerRange - 1, finalIndex)
    const notify = () => {
      const wake = task.wake
      task.wake = undefined
      wake?.()
    }
    const run = async () => {
      const decryptor = new SegmentRunDecryptor(keys, { first, last, finalIndex, finalLength })
      const emit = (piece: Uint8Array) => {
        task.pieces.push(piece)
        task.bytes += piece.length
      }
      const from = headerSize + first * ENCRYPTED_SEGMENT_SIZE
      const to = Math.min(headerSize + (last + 1) * ENCRYPTED_SEGMENT_SIZE, objectSize)
      const source = await options.read(from, to, controller.signal)
      task.source = source
      await new Promise<void>((resolve, reject) => {
        source.on('data', (chunk: Uint8Array) => {
          try {
            decryptor.push(chunk, emit)
          } catch (error) {
            source.destroy()
            reject(error)
            return
          }
          // A range ahead of the one being released waits in the kernel's socket buffer, not in
          // this heap: held buffers are what the garbage collector pays for.
          if (task.bytes >= AHEAD_BYTES) source.pause()
          if (task.pieces.length > 0) notify()
        })
        source.once('end', () => {
          try {
            decryptor.finish()
            resolve()
          } catch (error) {
            reject(error)
          }
        })
        source.once('error', reject)
        source.once('close', () => reject(new Error('the answer ended early')))
      })
    }
    run().then(
      () => {
        task.done = true
        notify()
      },
      (error: unknown) => {
        task.failed = true
        task.error = error
        // The first failure anywhere ends the download: later ranges must not be released.
        if (failure === undefined) failure = task
        controller.abort()
        for (const other of tasks) {
          const wake = other.wake
          other.wake = undefined
          wake?.()
        }
        notify()
      },
    )
    return task
  }

  async function* generate(): AsyncGenerator<Uint8Array> {
    try {
      let next = 0
      while (next < rangeCount && tasks.length < concurrency) tasks.push(start(next++))
      while (tasks.length > 0) {
        const head = tasks[0] as RangeTask
        for (;;) {
          if (failure !== undefined) throw failure.error
          if (head.pieces.length > 0) {
            const pieces = head.pieces.splice(0)
            head.bytes = 0
            if (head.source?.isPaused() === true) head.source.resume()
            for (const piece of pieces) yield piece
            continue
          }
          if (head.done) break
          await new Promise<void>((resolve) => {
            head.wake = resolve
          })
        }
        tasks.shift()
        if (next < rangeCount) tasks.push(start(next++))
      }
    } finally {
      outer?.removeEventListener('abort', onOuterAbort)
      controller.abort()
    }
  }
  return Readable.from(generate(), { objectMode: false })
}
