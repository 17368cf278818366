import { AuditError } from './audit-error.js'
import {
  AUDIT_EXPORT_FORMAT,
  type AuditExportCheckpoint,
  type AuditExportHeader,
} from './audit-export.js'
import type { AuditRow } from './audit-row.js'

/** What {@link encodeAuditExport} encodes: the header, then the checkpoints, then the rows. */
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

/** What an export holds. */
export interface AuditExportSummary {
  /** Record lines. */
  records: number
  /** Checkpoint lines. */
  checkpoints: number
  /** Bytes (UTF-8). */
  bytes: number
}

/** An export's bytes as they are encoded: iterate once, e.g. into a file. */
export interface AuditExportEncoding extends AsyncIterable<Uint8Array> {
  /** What has been encoded so far: the whole export's once the iteration has ended. */
  readonly summary: Readonly<AuditExportSummary>
}

// Lines are gathered into chunks of about this size: one write per line would cost more than
// the line.
const CHUNK_CHARS = 64 * 1024
const HASH_SIZE = 32

/**
 * Encodes an audit export (the format of {@link AUDIT_EXPORT_FORMAT}) as chunks of bytes, each
 * made only when the consumer asks for it: the sources are read only as fast as the bytes are
 * written, so a million records stream through in constant memory. Record bytes and hashes are
 * written as given (base64), never re-serialized. Writing the bytes is the caller's: to a file
 * that appears only once complete (the CLI's `writeAtomically`), to standard output, a socket.
 *
 * @param source the header and async (or sync) iterables of checkpoints and rows, e.g. pages of
 *   `GET /v1/audit/checkpoints` and `GET /v1/audit/records?after=…`.
 * @returns the chunks (iterate once; stopping early stops reading the sources) and how many
 *   lines of each kind, and bytes, they hold so far.
 * @throws AuditError `ERR_AUDIT_ARGUMENT_INVALID`, at once, for a header that cannot be written
 *   (origin not a string, size not a safe integer ≥ 0, a hash not 32 bytes, an invalid date);
 *   iterating throws whatever the sources throw.
 * @example
 * const encoded = encodeAuditExport({
 *   header: { origin, exportedAt: new Date(), size: head.size, headHash: head.headHash, from: undefined },
 *   checkpoints: await store.listCheckpoints(),
 *   rows: store.iterateAudit(0),
 * })
 * await pipeline(Readable.from(encoded), createWriteStream('audit.jsonl'))
 * console.log(encoded.summary.records)
 */
export function encodeAuditExport(source: AuditExportSource): AuditExportEncoding {
  const header = headerLine(source.header)
  const summary: AuditExportSummary = { records: 0, checkpoints: 0, bytes: 0 }
  const size = source.header.size
  const bytes = (text: string): Uint8Array => {
    const chunk = Buffer.from(text, 'utf8')
    summary.bytes += chunk.length
    return chunk
  }
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let chunk = header
    for await (const checkpoint of source.checkpoints) {
      if (checkpoint.size > size) continue
      chunk += checkpointLine(checkpoint)
      summary.checkpoints++
      if (chunk.length >= CHUNK_CHARS) {
        yield bytes(chunk)
        chunk = ''
      }
    }
    for await (const row of source.rows) {
      if (row.seq > size) break
      chunk += `{"seq":${row.seq},"record":"${base64(row.recordBytes)}","entryHash":"${base64(row.entryHash)}"}\n`
      summary.records++
      if (chunk.length >= CHUNK_CHARS) {
        yield bytes(chunk)
        chunk = ''
      }
    }
    if (chunk.length > 0) yield bytes(chunk)
  }
  const iterator = chunks()
  return { summary, [Symbol.asyncIterator]: () => iterator }
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

function invalid(reason: string): AuditError {
  return new AuditError('ERR_AUDIT_ARGUMENT_INVALID', `audit export: ${reason}`)
}
