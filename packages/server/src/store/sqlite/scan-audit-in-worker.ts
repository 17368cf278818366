import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { AuditRow } from '@latch/audit'
import { ServerError } from '../../errors.js'

/** Pages the reader may run ahead of the caller: bounds the memory of a long log. */
const CREDITS = 4
/** Rows per page at most: past a thousand, larger pages read no faster. */
const PAGE_ROWS = 1024
/** Bytes per page at most (a row larger than this is a page of its own): bounds the memory. */
const PAGE_BYTES = 1 << 20

/** The rows a page may take: from seq `?` on, at most `?`, in seq order. */
const PAGE_ROWS_SQL =
  'SELECT seq, entry_hash, record FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?'

/**
 * A page is read as two aggregates, since better-sqlite3's cost is per row and per value (an
 * array and a Buffer each) and SQLite's concatenation costs far less. First the numbers, per row
 * `<seq>,<hash length>,<record length>` joined by commas, from which the worker takes as many
 * rows as fit in {@link PAGE_BYTES}; then those rows' bytes, per row the entry hash, a 0x00 byte
 * and the record (the 0x00 is the leaf hash's prefix, so the worker hashes each record where it
 * lies). `STRICT` BLOB columns: `length` counts bytes without reading the blob; `||` makes text,
 * hence the CAST. Both run in one read transaction: they see the same rows. The seq bound is a
 * BigInt (`safeIntegers`), so a tampered seq beyond 2^53 neither ends the paging early nor
 * repeats a page.
 */
const PAGE_NUMBERS_SQL = `SELECT count(*),
    CAST(group_concat(seq || ',' || length(entry_hash) || ',' || length(record), ',') AS BLOB)
  FROM (${PAGE_ROWS_SQL})`
const PAGE_BYTES_SQL = `SELECT CAST(group_concat(entry_hash || x'00' || record, '') AS BLOB)
  FROM (${PAGE_ROWS_SQL})`

/** One page as the worker sends it: its bytes, per row 4 numbers, per row its leaf hash. */
interface PageMessage {
  readonly bytes?: ArrayBuffer
  /** Per row: seq, where its entry hash starts, where its record starts, where it ends. */
  readonly index?: Float64Array
  /** Per row the 32-byte leaf hash of its record, in the order of `index`. */
  readonly leaves?: ArrayBuffer
  readonly done?: boolean
  readonly error?: string
}

/**
 * Every audit row of the SQLite database at `file`, read in a worker thread by a read-only
 * connection of its own, in one read transaction (one snapshot), while the caller takes them in.
 * The worker also computes each record's leaf hash (`SHA-256(0x00 ‖ record)`), so reading and
 * hashing share two cores with the caller's chain walk. Rows arrive in ascending seq order, in
 * pages, each with its entry hash and record as stored and its `leafHash`.
 *
 * @param file - the database file (not `:memory:`).
 * @returns pages of rows; iterating to the end (or leaving the loop) ends the worker.
 * @throws ServerError `ERR_STORE_UNAVAILABLE` (from the iteration) when the worker's read fails.
 */
export function scanAuditInWorker(file: string): AsyncIterable<readonly AuditRow[]> {
  return {
    [Symbol.asyncIterator]() {
      const sqlite = createRequire(import.meta.url).resolve('better-sqlite3')
      const worker = new Worker(`(${readerMain.toString()})()`, {
        eval: true,
        workerData: {
          file,
          sqlite,
          numbersSql: PAGE_NUMBERS_SQL,
          bytesSql: PAGE_BYTES_SQL,
          credits: CREDITS,
          pageRows: PAGE_ROWS,
          pageBytes: PAGE_BYTES,
        },
      })
      const arrived: PageMessage[] = []
      let waiting: ((message: PageMessage) => void) | undefined
      const deliver = (message: PageMessage) => {
        if (waiting === undefined) arrived.push(message)
        else {
          const wake = waiting
          waiting = undefined
          wake(message)
        }
      }
      worker.on('message', deliver)
      worker.on('error', (error: Error) => deliver({ error: error.message }))
      let finished = false
      const end = () => {
        finished = true
        void worker.terminate()
      }
      const take = (message: PageMessage): IteratorResult<readonly AuditRow[]> => {
        if (message.error !== undefined) {
          end()
          // As the store's own reads fail: the database, not the log, is at fault.
          throw new ServerError('ERR_STORE_UNAVAILABLE', 'the database failed', {
            cause: new Error(message.error),
          })
        }
        const { bytes, index, leaves } = message
        if (message.done === true || !bytes || !index || !leaves) {
          end()
          return { done: true, value: undefined }
        }
        worker.postMessage('more')
        return { done: false, value: pageRows(Buffer.from(bytes), index, Buffer.from(leaves)) }
      }
      return {
        next(): Promise<IteratorResult<readonly AuditRow[]>> {
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
        return(): Promise<IteratorResult<readonly AuditRow[]>> {
          end()
          return Promise.resolve({ done: true, value: undefined })
        },
      }
    },
  }
}

function pageRows(bytes: Buffer, index: Float64Array, leaves: Buffer): AuditRow[] {
  const rows: AuditRow[] = []
  for (let i = 0, row = 0; i < index.length; i += 4, row += 32) {
    const recordStart = index[i + 2] as number
    rows.push({
      seq: index[i] as number,
      entryHash: bytes.subarray(index[i + 1] as number, recordStart - 1),
      recordBytes: bytes.subarray(recordStart, index[i + 3] as number),
      leafHash: leaves.subarray(row, row + 32),
    })
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
  const { hash } = require('node:crypto')
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
  const COMMA = 0x2c
  /** Where the last {@link number} read ended: after its comma. */
  let after = 0
  /** Reads the decimal number at `at` up to its comma; a tampered seq may be negative. */
  const number = (text: Buffer, at: number): number => {
    const negative = text[at] === 0x2d
    let i = negative ? at + 1 : at
    let value = 0
    while (i < text.length && text[i] !== COMMA) value = value * 10 + (text[i++] as number) - 0x30
    after = i + 1
    return negative ? -value : value
  }
  /**
   * The rows of the page that fit in `pageBytes` (at least one), from the numbers of up to
   * `pageRows` rows: per row seq and where its entry hash, record and bytes end lie in the
   * page's bytes; and the exact seq of the last one taken (a tampered one may pass 2^53).
   */
  const plan = (numbers: Buffer, count: number) => {
    const index = new Float64Array(count * 4)
    let slot = 0
    let previous = Number.NEGATIVE_INFINITY
    let lastSeqAt = 0
    let at = 0
    after = 0
    while (after < numbers.length && slot < index.length) {
      const seqAt = after
      const seq = number(numbers, seqAt)
      const seqEnd = after - 1
      const hashLength = number(numbers, after)
      const recordLength = number(numbers, after)
      const end = at + hashLength + 1 + recordLength
      if (slot > 0 && end > workerData.pageBytes) break
      // The rows come in seq order (the subquery's ORDER BY; seqs past 2^53 may parse equal).
      if (seq < previous) throw new Error('audit rows came out of seq order')
      previous = seq
      index[slot++] = seq
      index[slot++] = at
      index[slot++] = at + hashLength + 1
      index[slot++] = end
      at = end
      lastSeqAt = seqAt
      if (slot === index.length) {
        const lastSeq = BigInt(numbers.toString('latin1', lastSeqAt, seqEnd))
        return { index, size: at, lastSeq }
      }
    }
    // Stopped early: the comma after the last seq taken is found again.
    let seqEnd = lastSeqAt
    while (numbers[seqEnd] !== COMMA) seqEnd++
    const lastSeq = BigInt(numbers.toString('latin1', lastSeqAt, seqEnd))
    return { index: index.slice(0, slot), size: at, lastSeq }
  }
  /** Each row's leaf hash, `SHA-256(0x00 ‖ record)`, its 0x00 the byte before the record. */
  const leavesOf = (bytes: Buffer, index: Float64Array) => {
    const leaves = Buffer.allocUnsafeSlow((index.length / 4) * 32)
    for (let i = 0, row = 0; i < index.length; i += 4, row += 32) {
      const record = bytes.subarray((index[i + 2] as number) - 1, index[i + 3] as number)
      leaves.write(hash('sha256', record, 'latin1'), row, 'latin1')
    }
    return leaves
  }
  const run = async () => {
    const numbersOf = db.prepare(workerData.numbersSql).raw(true).safeIntegers(true)
    const bytesOf = db.prepare(workerData.bytesSql).raw(true).safeIntegers(true)
    const rowsPerPage = BigInt(workerData.pageRows)
    const highest = 2n ** 63n - 1n
    let from = -(2n ** 63n)
    db.exec('BEGIN')
    try {
      for (;;) {
        const [count, numbers] = numbersOf.get(from, rowsPerPage)
        if (count === 0n || numbers === null) break
        const { index, size, lastSeq } = plan(numbers, Number(count))
        const rows = index.length / 4
        const [bytes] = bytesOf.get(from, BigInt(rows))
        if (bytes === null || bytes.length !== size) throw new Error('audit rows changed mid-read')
        const leaves = leavesOf(bytes, index)
        if (credits === 0) await new Promise<void>((resolve) => (resume = resolve))
        credits--
        // better-sqlite3 gives a large value a memory of its own: it moves without a copy.
        const whole = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length
        const out = whole ? bytes.buffer : Uint8Array.from(bytes).buffer
        parentPort.postMessage({ bytes: out, index, leaves: leaves.buffer }, [
          out,
          index.buffer,
          leaves.buffer,
        ])
        if ((rows === Number(count) && count < rowsPerPage) || lastSeq === highest) break
        from = lastSeq + 1n
      }
    } finally {
      db.exec('COMMIT')
    }
    parentPort.postMessage({ done: true })
  }
  run()
    .catch((error: Error) => parentPort.postMessage({ error: String(error?.message ?? error) }))
    .finally(() => db.close())
}
