import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { AuditRow } from '@latch/audit'
import { ServerError } from '../../errors.js'

/** Batches the reader may run ahead of the caller: bounds the memory of a long log. */
const CREDITS = 4
/** The size of one batch's byte buffer (a larger row gets a buffer of its own size). */
const BATCH_BYTES = 1 << 20

/**
 * Each row as one value, `"<seq>,<hash length>," ‖ entry_hash ‖ record`: better-sqlite3's cost
 * is per value, and one per row reads about 1.35× as fast as three (seq, length, blob). `STRICT`
 * columns: seq is an integer, `length` of a BLOB counts bytes; `||` makes text, hence the CAST.
 */
const SCAN_SQL = `SELECT CAST(CAST(seq AS TEXT) || ',' || length(entry_hash) || ','
  || entry_hash || record AS BLOB) FROM audit_log ORDER BY seq`

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
 * @returns rows; iterating it to the end (or leaving the loop) ends the worker.
 * @throws ServerError `ERR_STORE_UNAVAILABLE` (from the iteration) when the worker's read fails.
 */
export function scanAuditInWorker(file: string): AsyncIterable<AuditRow> {
  return {
    [Symbol.asyncIterator]() {
      const sqlite = createRequire(import.meta.url).resolve('better-sqlite3')
      const worker = new Worker(`(${readerMain.toString()})()`, {
        eval: true,
        workerData: { file, sql: SCAN_SQL, sqlite, credits: CREDITS, batchBytes: BATCH_BYTES },
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
          // As the store's own reads fail: the database, not the log, is at fault.
          throw new ServerError('ERR_STORE_UNAVAILABLE', 'the database failed', {
            cause: new Error(message.error),
          })
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
    const rows = db.prepare(workerData.sql).pluck().iterate()
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
    for (const value of rows) {
      // The prefix: decimal seq, a comma, decimal hash length, a comma (ASCII 0x2c, digits 0x30+).
      // A tampered row may hold a negative seq ('-', 0x2d): the verifier names it.
      const negative = value[0] === 0x2d
      let at = negative ? 1 : 0
      let seq = 0
      while (at < value.length && value[at] !== 0x2c) seq = seq * 10 + value[at++] - 0x30
      if (negative) seq = -seq
      let hashLength = 0
      at++
      while (at < value.length && value[at] !== 0x2c)
        hashLength = hashLength * 10 + value[at++] - 0x30
      at++
      const size = value.length - at
      if (used + size > bytes.length) {
        if (used > 0) await send()
        if (size > bytes.length) bytes = Buffer.allocUnsafe(size)
      }
      value.copy(bytes, used, at)
      used += size
      index.push(seq, hashLength, used)
    }
    if (used > 0) await send()
    parentPort.postMessage({ done: true })
  }
  run()
    .catch((error: Error) => parentPort.postMessage({ error: String(error?.message ?? error) }))
    .finally(() => db.close())
}
