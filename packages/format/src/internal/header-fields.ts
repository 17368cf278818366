import {
  COMMITMENT_SIZE,
  ID_PATTERN,
  MAC_SIZE,
  MAX_ENTRIES,
  MAX_JWE_SIZE,
  MAX_KAS_ID_SIZE,
  MAX_SHARES,
} from '../constants.js'
import { FormatError } from '../errors.js'
import type { Header, KeyEntry } from '../header.js'
import { CORE_FIXED_SIZE, type HeaderCore, parseHeaderCore } from '../header-core.js'
import { parseCompactJwe } from '../jwe/parse-compact-jwe.js'
import { readHeaderSize } from '../read-header-size.js'
import { encodeBase64url } from './base64url.js'

/** A header read up to its core: what the core hash is computed from (sync on Node, async on the web). */
export interface HeaderStart {
  readonly bytes: Uint8Array
  readonly core: HeaderCore
  readonly coreBytes: Uint8Array
  /** Offset of the entry count. */
  readonly entriesOffset: number
}

/**
 * The first half of the strict header parse, shared by both builds: magic, version, suite,
 * segment size, `header_len` bounds, `reserved` and the policy id.
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` or `ERR_FORMAT_VERSION_UNSUPPORTED`.
 */
export function readHeaderStart(bytes: Uint8Array): HeaderStart {
  const size = readHeaderSize(bytes)
  if (bytes.length < size) throw invalid('object shorter than its header_len')
  const header = bytes.slice(0, size)
  const view = new DataView(header.buffer, header.byteOffset, size)
  if (view.getUint32(12) !== 0) throw invalid('reserved bytes must be zero')
  const pidLength = header[64] ?? 0
  const entriesOffset = 65 + pidLength
  if (entriesOffset + 1 > size) throw invalid('policy id overruns the header')
  const coreBytes = new Uint8Array(CORE_FIXED_SIZE + pidLength)
  coreBytes.set(header.subarray(0, 8), 0)
  coreBytes.set(header.subarray(16, entriesOffset), 8)
  return { bytes: header, core: parseHeaderCore(coreBytes), coreBytes, entriesOffset }
}

/**
 * The second half, given `hc = SHA-256(core)`: the entry count (1–4), each entry (sid, n,
 * key-server id, JWE under the profile and bound to this header core), the set of entries (one
 * `n`, no duplicate, every share present), and that the fields end exactly at `header_len`.
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID`.
 */
export function readHeaderEntries(start: HeaderStart, coreHash: Uint8Array): Header {
  const { bytes: header, core } = start
  const size = header.length
  const view = new DataView(header.buffer, header.byteOffset, size)
  let offset = start.entriesOffset
  const count = header[offset++] ?? 0
  if (count < 1 || count > MAX_ENTRIES) throw invalid('entry count must be 1 to 4')
  const binding = { oid: encodeBase64url(core.objectId), hc: encodeBase64url(coreHash) }
  const entries: KeyEntry[] = []
  for (let i = 0; i < count; i++) {
    if (offset + 3 > size) throw invalid('key entry overruns the header')
    const sid = header[offset++] ?? 0
    const n = header[offset++] ?? 0
    const kasIdLength = header[offset++] ?? 0
    if (n < 1 || n > MAX_SHARES || sid < 1 || sid > n) throw invalid('bad sid or n')
    if (kasIdLength < 1 || kasIdLength > MAX_KAS_ID_SIZE || offset + kasIdLength + 2 > size) {
      throw invalid('bad key-server id length')
    }
    const kasId = String.fromCharCode(...header.subarray(offset, offset + kasIdLength))
    if (!ID_PATTERN.test(kasId)) throw invalid('bad key-server id')
    offset += kasIdLength
    const jweLength = view.getUint16(offset)
    offset += 2
    if (jweLength < 1 || jweLength > MAX_JWE_SIZE || offset + jweLength > size) {
      throw invalid('bad JWE length')
    }
    const jwe = String.fromCharCode(...header.subarray(offset, offset + jweLength))
    offset += jweLength
    const { header: jh } = parseCompactJwe(jwe)
    if (
      jh.pid !== core.policyId ||
      jh.oid !== binding.oid ||
      jh.hc !== binding.hc ||
      jh.sid !== sid ||
      jh.n !== n
    ) {
      throw invalid('key entry is bound to another object')
    }
    entries.push({ sid, n, kasId, jwe })
  }
  checkEntrySet(entries)
  if (offset + COMMITMENT_SIZE + MAC_SIZE !== size) {
    throw invalid('header fields do not end at header_len')
  }
  return {
    core,
    coreBytes: start.coreBytes,
    coreHash,
    entries,
    commitment: header.subarray(offset, offset + COMMITMENT_SIZE),
    mac: header.subarray(offset + COMMITMENT_SIZE),
    bytes: header,
  }
}

function checkEntrySet(entries: readonly KeyEntry[]): void {
  const n = entries[0]?.n ?? 0
  const seen = new Set<string>()
  const shares = new Set<number>()
  for (const entry of entries) {
    if (entry.n !== n) throw invalid('entries disagree on n')
    const key = `${entry.sid}/${entry.kasId}`
    if (seen.has(key)) throw invalid('duplicate key entry')
    seen.add(key)
    shares.add(entry.sid)
  }
  if (shares.size !== n) throw invalid('a share has no key entry')
}

function invalid(message: string): FormatError {
  return new FormatError('ERR_FORMAT_HEADER_INVALID', message)
}
