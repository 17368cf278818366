import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ServerError } from '../errors.js'
import {
  AUDIT_EXPORT_FORMAT,
  type AuditExportCheckpoint,
  type AuditExportHeader,
} from './audit-export.js'
import type { AuditRow } from './verify-audit-log.js'

/** What {@link writeAuditExport} writes: the header, then the checkpoints, then the rows. */
export interface AuditExportSource {
  header: AuditExportHeader
  /** Every checkpoint, oldest first; those above `header.size` (signed later) are left out. */
  checkpoints: Iterable<AuditExportCheckpoint> | AsyncIterable<AuditExportCheckpoint>
  /**
   * The rows after `header.from.size` (or from seq 1), ascending. They are written as given,
   * for the verifier to judge; reading stops at the first row after `header.size`, so a source
   * may run on past the head (pages fetched while the server appends).
   */
  rows: Iterable<AuditRow> | AsyncIterable<AuditRow>
}

/** What {@link writeAuditExport} wrote. */
export interface AuditExportSummary {
  /** Record lines written. */
  records: number
  /** Checkpoint lines written. */
  checkpoints: number
  /** Bytes written (UTF-8). */
  bytes: number
}

/** Options of {@link writeAuditExport}. */
export interface WriteAuditExportOptions {
  /** Aborts the export (the promise rejects with an `AbortError`). */
  signal?: AbortSignal
  /** End `output` when done (default `true`); `false` for standard output. */
  end?: boolean
}

// Lines are gathered into chunks of about this size: one write per line would cost more than
// the line.
const CHUNK_CHARS = 64 * 1024
const HASH_SIZE = 32

/**
 * Writes an audit export (the format of {@link AUDIT_EXPORT_FORMAT}) to a Node stream, honouring
 * its backpressure: the sources are read only as fast as `output` drains, so a million records
 * stream through in constant memory. Record bytes and hashes are written as given (base64), never
 * re-serialized.
 *
 * @param output where to write, e.g. `fs.createWriteStream(file)`.
 * @param source the header and async (or sync) iterables of checkpoints and rows, e.g. pages of
 *   `GET /v1/audit/checkpoints` and `GET /v1/audit/records?after=…`.
 * @param options `signal` to abort; `end: false` to leave `output` open.
 * @returns how many lines of each kind, and bytes, were written.
 * @throws ServerError `ERR_REQUEST_INVALID` for a header that cannot be written (origin not a
 *   string, size not a safe integer ≥ 0, a hash not 32 bytes, an invalid date); whatever `output`
 *   or the sources throw.
 * @example
 * await writeAuditExport(createWriteStream('audit.jsonl'), {
 *   header: { origin, exportedAt: new Date(), size: head.size, headHash: head.headHash, from: undefined },
 *   checkpoints: await store.listCheckpoints(),
 *   rows: store.iterateAudit(0),
 * })
 */
export async function writeAuditExport(
  output: Writable,
  source: AuditExportSource,
  options: WriteAuditExportOptions = {},
): Promise<AuditExportSummary> {
  const header = headerLine(source.header)
  const summary: AuditExportSummary = { records: 0, checkpoints: 0, bytes: 0 }
  const size = source.header.size
  async function* chunks(): AsyncGenerator<string> {
    let chunk = header
    for await (const checkpoint of source.checkpoints) {
      if (checkpoint.size > size) continue
      chunk += checkpointLine(checkpoint)
      summary.checkpoints++
      if (chunk.length >= CHUNK_CHARS) {
        summary.bytes += Buffer.byteLength(chunk)
        yield chunk
        chunk = ''
      }
    }
    for await (const row of source.rows) {
      if (row.seq > size) break
      chunk += `{"seq":${row.seq},"record":"${base64(row.recordBytes)}","entryHash":"${base64(row.entryHash)}"}\n`
      summary.records++
      if (chunk.length >= CHUNK_CHARS) {
        summary.bytes += Buffer.byteLength(chunk)
        yield chunk
        chunk = ''
      }
    }
    if (chunk.length > 0) {
      summary.bytes += Buffer.byteLength(chunk)
      yield chunk
    }
  }
  await pipeline(Readable.from(chunks(), { objectMode: false }), output, {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    end: options.end ?? true,
  })
  return summary
}

function headerLine(header: AuditExportHeader): string {
  const { origin, exportedAt, size, headHash, from } = header
  if (typeof origin !== 'string') throw invalid('origin must be a string')
  if (!isSize(size)) throw invalid('size must be a safe integer ≥ 0')
  if (headHash.length !== HASH_SIZE) throw invalid('headHash must be 32 bytes')
  if (Number.isNaN(exportedAt.getTime())) throw invalid('exportedAt must be a valid date')
  if (from !== undefined && (!isSize(from.size) || from.headHash.length !== HASH_SIZE)) {
    throw invalid('from must be a size (safe integer ≥ 0) and a 32-byte head hash')
  }
  return `${JSON.stringify({
    format: AUDIT_EXPORT_FORMAT,
    origin,
    exportedAt: exportedAt.toISOString(),
    size,
    headHash: base64(headHash),
    from: from === undefined ? null : { size: from.size, headHash: base64(from.headHash) },
  })}\n`
}

function checkpointLine(checkpoint: AuditExportCheckpoint): string {
  const { size, note, signedAt } = checkpoint
  return `${JSON.stringify({ checkpoint: { size, note, signedAt: signedAt.toISOString() } })}\n`
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

function isSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0
}

function invalid(reason: string): ServerError {
  return new ServerError('ERR_REQUEST_INVALID', `audit export: ${reason}`)
}
