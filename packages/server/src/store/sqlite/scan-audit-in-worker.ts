import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { AuditRow } from '@latch/audit'

/** Batches the reader may run ahead of the caller: bounds the memory of a long log. */
const CREDITS = 4
/** The size of one batch's byte buffer (a larger row gets a buffer of its own size). */
const BATCH_BYTES = 1 << 20

/** One batch as the worker sends it: per row seq, hash length and end offset in `bytes`. */
interface BatchMessage {
  readonly bytes?: ArrayBuffer
  readonly index?: Float64Array
  readonly done?: boolean
  readonly error?: string
}

/**
 * Every audit row of the SQLite database at `file`, read in a worker thread by a read-only
 * connection of its own while the caller takes them in: reading rows (better-sqlite3 making
 * their Buffers) and verifying them (hashing) overlap on two cores. Rows arrive in ascending seq
 * order, each with its entry hash and record as stored, split at the hash's own length.
 *
 * @param file - the database file (not `:memory:`).
 * @param sql - the statement selecting `seq, length(entry_hash), entry_hash ‖ record` by seq.
 * @returns rows; iterating it to the end (or leaving the loop) ends the worker.
 */
export function scanAuditInWorker(file: string, sql: string): AsyncIterable<AuditRow> {
  return {
    [Symbol.asyncIterator]() {
      const sqlite = createRequire(import.meta.url).resolve('better-sqlite3')
      const worker = new Worker(`(${readerMain.toString()})()`, {
        eval: true,
        workerData: { file, sql, sqlite, credits: CREDITS, batchBytes: BATCH_BYTES },
      })
      const arrived: BatchMessage[] = []
      let waiting: ((message: BatchMessage) => void) | undefined
      const deliver = (message: BatchMessage) => {
        if (waiting === undefined) arrived.push(message)
        else {
          const wake = waiting
          waiting = undefined
          wake(message)
        }
      }
      worker.on('message', deliver)
      worker.on('error', (error: Error) => deliver({ error: error.message }))
      let rows: AuditRow[] = []
      let at = 0
      let finished = false
      const end = () => {
        finished = true
        void worker.terminate()
      }
      const take = (message: BatchMessage): IteratorResult<AuditRow> => {
        if (message.error !== undefined) {
          end()
          throw new Error(`reading the audit log failed: ${message.error}`)
        }
        if (message.done === true || message.bytes === undefined || message.index === undefined) {
          end()
          return { done: true, value: undefined }
        }
        worker.postMessage('more')
        rows = splitBatch(Buffer.from(message.bytes), message.index)
        at = 0
        return next()
      }
      const next = (): IteratorResult<AuditRow> =>
        at < rows.length
          ? { done: false, value: rows[at++] as AuditRow }
          : { done: true, value: undefined }
      return {
        next(): Promise<IteratorResult<AuditRow>> {
          if (at < rows.length) return Promise.resolve(next())
          if (finished) return Promise.resolve({ done: true, value: undefined })
          const message = arrived.shift()
          if (message !== undefined) return new Promise((resolve) => resolve(take(message)))
          return new Promise((resolve, reject) => {
            waiting = (m) => {
              try {
                resolve(take(m))
              } catch (error) {
                reject(error)
              }
            }
          })
        },
        return(): Promise<IteratorResult<AuditRow>> {
          end()
          return Promise.resolve({ done: true, value: undefined })
        },
      }
    },
  }
}

function splitBatch(bytes: Buffer, index: Float64Array): AuditRow[] {
  const rows: AuditRow[] = []
  let start = 0
  for (let i = 0; i < index.length; i += 3) {
    const seq = index[i] as number
    const hashEnd = start + (index[i + 1] as number)
    const end = index[i + 2] as number
    rows.push({
      seq,
      entryHash: bytes.subarray(start, hashEnd),
      recordBytes: bytes.subarray(hashEnd, end),
    })
    start = end
  }
  return rows
}

/**
 * The worker's code, run from its source text (`eval`), so that it works from the TypeScript
 * sources under test as from the built package: it closes over nothing and loads better-sqlite3
 * by the path the parent resolved.
 */
function readerMain(): void {
  const { parentPort, workerData } = require('node:worker_threads')
  const Database = require(workerData.sqlite)
  const db = new Database(workerData.file, { readonly: true, fileMustExist: true })
  let credits: number = workerData.credits
  let resume: (() => void) | undefined
  parentPort.on('message', () => {
    credits++
    const wake = resume
    resume = undefined
    wake?.()
  })
  const run = async () => {
    const rows = db.prepare(workerData.sql).raw().iterate()
    let bytes = Buffer.allocUnsafe(workerData.batchBytes)
    let used = 0
    let index: number[] = []
    const send = async () => {
      if (credits === 0) await new Promise<void>((resolve) => (resume = resolve))
      credits--
      const out = new Uint8Array(used)
      out.set(bytes.subarray(0, used))
      const offsets = Float64Array.from(index)
      parentPort.postMessage({ bytes: out.buffer, index: offsets }, [out.buffer, offsets.buffer])
      used = 0
      index = []
    }
    for (const [seq, hashLength, both] of rows) {
      if (used + both.length > bytes.length) {
        if (used > 0) await send()
        if (both.length > bytes.length) bytes = Buffer.allocUnsafe(both.length)
      }
      both.copy(bytes, used)
      used += both.length
      index.push(seq, hashLength, used)
    }
    if (used > 0) await send()
    parentPort.postMessage({ done: true })
  }
  run()
    .catch((error: Error) => parentPort.postMessage({ error: String(error?.message ?? error) }))
    .finally(() => db.close())
}
