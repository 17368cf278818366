import { AuditError } from './audit-error.js'
import {
  AUDIT_EXPORT_FORMAT,
  type AuditExportCheckpoint,
  type AuditExportHeader,
} from './audit-export.js'
import type { AuditRow } from './audit-row.js'
import { exportLineError as lineError } from './internal/export-line-error.js'
import { LineReader } from './internal/line-reader.js'
import { parseCheckpointNote } from './parse-checkpoint-note.js'
import type { AuditWindowStart } from './verify-audit-log.js'

/**
 * An audit export as read by {@link readAuditExport}: everything `verifyAuditLog` needs but the
 * key, the records still streaming from the file.
 */
export interface AuditExportReading {
  /** The header line. */
  header: AuditExportHeader
  /** The checkpoint lines, in file order. */
  checkpoints: AuditExportCheckpoint[]
  /** The header's origin. */
  origin: string
  /** The checkpoints' notes, in file order. */
  notes: string[]
  /** The header's size: the rows must end there. */
  headSize: number
  /** The header's head hash: the last row's entry hash. */
  headHash: Uint8Array
  /** The export's time: freshness is judged as of when the export was taken. */
  now: Date
  /** The header's `from`, for a partial export (absent for the whole log). */
  from?: AuditWindowStart
  /**
   * The record lines, parsed as they are read (iterate once). Reading them throws an
   * `AuditError` `ERR_AUDIT_EXPORT_INVALID` naming the line of a malformed one, or of a cut-off
   * last line.
   */
  rows: AsyncIterable<AuditRow>
}

/** Options of {@link readAuditExport}. */
export interface ReadAuditExportOptions {
  /** The longest line accepted, in bytes (default 16 MiB): the memory bound of a garbage file. */
  maxLineBytes?: number
}

const HEADER_KEYS = ['format', 'origin', 'exportedAt', 'size', 'headHash', 'from']
const FROM_KEYS = ['size', 'headHash']
const CHECKPOINT_KEYS = ['size', 'note', 'signedAt']
const RECORD_KEYS = ['seq', 'record', 'entryHash']
const HASH_SIZE = 32
const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/**
 * Reads an audit export (the format of {@link AUDIT_EXPORT_FORMAT}) from a stream, line by line:
 * the header and the checkpoints at once, then the records lazily, as the verifier pulls them, so
 * memory stays constant however many records the file holds. Every line is parsed strictly
 * (exact members, canonical base64, 32-byte hashes); whether the records are a valid chain is the
 * verifier's question, not the reader's.
 *
 * @param source the file's bytes, e.g. `fs.createReadStream(file)` (any async iterable of
 *   `Uint8Array` or string chunks).
 * @param options the longest line accepted.
 * @returns the header, the checkpoints, and the verifier's input without its key.
 * @throws AuditError `ERR_AUDIT_EXPORT_INVALID` naming the line of the first malformed header or
 *   checkpoint line (an empty file, another format, a member missing or extra, a bad value, a
 *   line cut off by the end of the file); reading `rows` throws the same for record lines.
 * @example
 * const exported = await readAuditExport(createReadStream('audit.jsonl'))
 * const report = await verifyAuditLog({ ...exported, key: parseVerifierKey(pinned) })
 */
export async function readAuditExport(
  source: AsyncIterable<Uint8Array | string>,
  options: ReadAuditExportOptions = {},
): Promise<AuditExportReading> {
  const lines = new LineReader(source, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES)
  let header: AuditExportHeader
  const checkpoints: AuditExportCheckpoint[] = []
  let first: Buffer | undefined
  try {
    const line = await lines.next()
    if (line === undefined) {
      throw new AuditError(
        'ERR_AUDIT_EXPORT_INVALID',
        'audit export: the file is empty (no header)',
      )
    }
    header = parseHeader(line, lines.number)
    for (;;) {
      first = await lines.next()
      if (first === undefined) break
      const value = parseLine(first, lines.number)
      if (!('checkpoint' in value)) break
      checkpoints.push(parseCheckpoint(value, lines.number))
    }
  } catch (error) {
    await lines.close()
    throw error
  }
  async function* rows(): AsyncGenerator<AuditRow> {
    try {
      let next = first
      while (next !== undefined) {
        yield parseRecord(next, lines.number)
        next = lines.take() ?? (await lines.next())
      }
    } finally {
      await lines.close()
    }
  }
  return {
    header,
    checkpoints,
    origin: header.origin,
    notes: checkpoints.map((c) => c.note),
    headSize: header.size,
    headHash: header.headHash,
    now: header.exportedAt,
    ...(header.from === undefined ? {} : { from: header.from }),
    rows: rows(),
  }
}

// --- Line contents ---

type JsonObject = Record<string, unknown>

function parseLine(line: Buffer, number: number): JsonObject {
  if (line.length === 0) throw lineError(number, 'an empty line')
  let value: unknown
  try {
    value = JSON.parse(line.toString('utf8'))
  } catch {
    throw lineError(number, 'not JSON')
  }
  if (!isObject(value)) throw lineError(number, 'not a JSON object')
  return value
}

function parseHeader(line: Buffer, number: number): AuditExportHeader {
  let value: JsonObject
  try {
    value = parseLine(line, number)
  } catch {
    throw lineError(number, `not an audit export header (${AUDIT_EXPORT_FORMAT})`)
  }
  if (value.format !== AUDIT_EXPORT_FORMAT) {
    throw lineError(
      number,
      `format ${JSON.stringify(value.format)} is not "${AUDIT_EXPORT_FORMAT}"`,
    )
  }
  members(value, HEADER_KEYS, number, 'the header')
  const { origin, exportedAt, size, headHash, from } = value
  if (typeof origin !== 'string') throw lineError(number, 'origin is not a string')
  let fromStart: AuditWindowStart | undefined
  if (from !== null) {
    if (!isObject(from)) throw lineError(number, 'from is neither null nor {size, headHash}')
    members(from, FROM_KEYS, number, 'from')
    fromStart = {
      size: sizeOf(from.size, number, 'from.size'),
      headHash: hashOf(from.headHash, number, 'from.headHash'),
    }
  }
  return {
    origin,
    exportedAt: timeOf(exportedAt, number, 'exportedAt'),
    size: sizeOf(size, number, 'size'),
    headHash: hashOf(headHash, number, 'headHash'),
    from: fromStart,
  }
}

function parseCheckpoint(value: JsonObject, number: number): AuditExportCheckpoint {
  members(value, ['checkpoint'], number, 'a checkpoint line')
  const checkpoint = value.checkpoint
  if (!isObject(checkpoint)) throw lineError(number, 'checkpoint is not an object')
  members(checkpoint, CHECKPOINT_KEYS, number, 'checkpoint')
  const { note } = checkpoint
  const size = sizeOf(checkpoint.size, number, 'checkpoint.size')
  if (typeof note !== 'string') throw lineError(number, 'checkpoint.note is not a string')
  let noteSize: number | undefined
  try {
    noteSize = parseCheckpointNote(note).size
  } catch {
    // A note that does not parse is the verifier's to name (checkpoint-invalid), with the rest.
  }
  if (noteSize !== undefined && noteSize !== size) {
    throw lineError(number, `checkpoint.size ${size} is not the size its note signs (${noteSize})`)
  }
  return { size, note, signedAt: timeOf(checkpoint.signedAt, number, 'checkpoint.signedAt') }
}

function parseRecord(line: Buffer, number: number): AuditRow {
  const value = parseLine(line, number)
  if ('checkpoint' in value) {
    throw lineError(number, 'a checkpoint after the records (checkpoints come first)')
  }
  members(value, RECORD_KEYS, number, 'a record line')
  const { seq, record, entryHash } = value
  if (!Number.isSafeInteger(seq) || (seq as number) < 1) {
    throw lineError(number, 'seq is not a safe integer ≥ 1')
  }
  if (typeof record !== 'string') throw lineError(number, 'record is not a string')
  const recordBytes = Buffer.from(record, 'base64')
  if (recordBytes.toString('base64') !== record) {
    throw lineError(number, `record of seq ${seq} is not canonical base64`)
  }
  return { seq: seq as number, recordBytes, entryHash: hashOf(entryHash, number, 'entryHash') }
}

function members(value: JsonObject, expected: readonly string[], number: number, what: string) {
  const keys = Object.keys(value)
  const missing = expected.filter((k) => !Object.hasOwn(value, k))
  const extra = keys.filter((k) => !expected.includes(k))
  if (missing.length > 0 || extra.length > 0) {
    throw lineError(
      number,
      `not ${what}: ${[
        missing.length > 0 ? `missing ${missing.join(', ')}` : '',
        extra.length > 0 ? `unexpected ${extra.join(', ')}` : '',
      ]
        .filter((s) => s !== '')
        .join('; ')}`,
    )
  }
}

function sizeOf(value: unknown, number: number, name: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw lineError(number, `${name} is not a safe integer ≥ 0`)
  }
  return value as number
}

function hashOf(value: unknown, number: number, name: string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : undefined
  // Node's decoder skips junk and accepts missing padding: only the one canonical spelling passes.
  if (bytes === undefined || bytes.length !== HASH_SIZE || bytes.toString('base64') !== value) {
    throw lineError(number, `${name} is not 32 bytes of canonical base64`)
  }
  return bytes
}

function timeOf(value: unknown, number: number, name: string): Date {
  const time = typeof value === 'string' ? new Date(value) : undefined
  if (
    time === undefined ||
    !ISO_TIME.test(value as string) ||
    Number.isNaN(time.getTime()) ||
    time.toISOString() !== value
  ) {
    throw lineError(number, `${name} is not an RFC 3339 UTC time with milliseconds`)
  }
  return time
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
