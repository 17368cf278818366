import {
  COMMITMENT_SIZE,
  ID_PATTERN,
  MAC_SIZE,
  MAX_ENTRIES,
  MAX_JWE_SIZE,
  MAX_KAS_ID_SIZE,
  MAX_SHARES,
} from './constants.js'
import { FormatError } from './errors.js'
import type { Header, KeyEntry } from './header.js'
import { CORE_FIXED_SIZE, hashHeaderCore, parseHeaderCore } from './header-core.js'
import { toBase64url } from './internal/bytes.js'
import { parseCompactJwe } from './jwe/parse-compact-jwe.js'
import { readHeaderSize } from './read-header-size.js'

/**
 * Parses a header strictly, in this order: magic, version, suite, segment size, `header_len`
 * bounds, `reserved`, the policy id, the entry count (1–4), each entry (sid, n, key-server id,
 * JWE under the profile and bound to this header core), the set of entries (one `n`, no
 * duplicate, every share present), and finally that the fields end exactly at `header_len`.
 * Nothing is authenticated yet: that needs the data key ({@link openHeader}).
 *
 * @param bytes the object's first bytes: at least `header_len` of them (more is fine).
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` or `ERR_FORMAT_VERSION_UNSUPPORTED`.
 */
export function parseHeader(bytes: Uint8Array): Header {
  const size = readHeaderSize(bytes)
  if (bytes.length < size) throw invalid('object shorter than its header_len')
  const header = bytes.slice(0, size)
  const view = new DataView(header.buffer, header.byteOffset, size)
  if (view.getUint32(12) !== 0) throw invalid('reserved bytes must be zero')
  const pidLength = header[64] ?? 0
  let offset = 65 + pidLength
  if (offset + 1 > size) throw invalid('policy id overruns the header')
  const coreBytes = new Uint8Array(CORE_FIXED_SIZE + pidLength)
  coreBytes.set(header.subarray(0, 8), 0)
  coreBytes.set(header.subarray(16, offset), 8)
  const core = parseHeaderCore(coreBytes)
  const coreHash = hashHeaderCore(coreBytes)

  const count = header[offset++] ?? 0
  if (count < 1 || count > MAX_ENTRIES) throw invalid('entry count must be 1 to 4')
  const binding = { oid: toBase64url(core.objectId), hc: toBase64url(coreHash) }
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
    coreBytes,
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
