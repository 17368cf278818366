import { isUtf8 } from 'node:buffer'
import { canonicalJson } from '../canonical-json.js'

/**
 * The reference record check: the record's `seq` member and its `time` string if it has one, or
 * why the record is invalid.
 */
export function readRecordSeq(
  bytes: Uint8Array,
): { seq: number; time: string | undefined } | string {
  if (!isUtf8(bytes)) return 'is not UTF-8'
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return 'is not JSON'
  }
  let canonical: string
  try {
    canonical = canonicalJson(value as never)
  } catch {
    return 'holds a value outside canonical JSON (a float, or nesting too deep)'
  }
  if (canonical !== text) return 'is not in canonical JSON form (RFC 8785)'
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'is not a JSON object'
  }
  const { seq, time } = value as { seq?: unknown; time?: unknown }
  if (typeof seq !== 'number') return 'has no integer seq member'
  return { seq, time: typeof time === 'string' ? time : undefined }
}
