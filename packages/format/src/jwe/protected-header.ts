import { ID_PATTERN, MAX_KAS_ID_SIZE, MAX_POLICY_ID_SIZE, MAX_SHARES } from '../constants.js'
import { FormatError } from '../errors.js'
import { decodeBase64url } from '../internal/base64url.js'

/**
 * What binds a wrapped share to one object: the policy id, object id and header-core hash of the
 * object, and which share of how many it is. Carried in the JWE protected header, so it is
 * authenticated by the JWE's content encryption.
 */
export interface ShareBinding {
  readonly policyId: string
  /** base64url of the 16-byte object id. */
  readonly objectId: string
  /** base64url of the 32-byte header-core hash. */
  readonly coreHash: string
  /** Share index, 1..n. */
  readonly sid: number
  /** Shares required, 1 or 2. */
  readonly n: number
}

/** The protected header of a Latch key-entry JWE, member for member. */
export interface JweProtectedHeader {
  readonly alg: 'ECDH-ES+A256KW'
  readonly enc: 'A256GCM'
  readonly kid: string
  readonly pid: string
  readonly oid: string
  readonly sid: number
  readonly n: number
  readonly hc: string
  readonly v: 1
  readonly epk: { readonly x: string; readonly crv: 'X25519'; readonly kty: 'OKP' }
}

/**
 * The canonical JSON of a protected header: members in this order, no white space. A reader
 * accepts only this exact serialization, so duplicate members, reordering and escapes are refused.
 * The order is the one `jose` writes (`epk` last, as `{x, crv, kty}`), so `jose` can produce and
 * open byte-identical JWEs (tests cross-check both ways).
 */
export function serializeProtectedHeader(header: JweProtectedHeader): string {
  return JSON.stringify({
    alg: header.alg,
    enc: header.enc,
    kid: header.kid,
    pid: header.pid,
    oid: header.oid,
    sid: header.sid,
    n: header.n,
    hc: header.hc,
    v: header.v,
    epk: { x: header.epk.x, crv: header.epk.crv, kty: header.epk.kty },
  })
}

/**
 * Parses the JSON of a protected header and checks the profile: exactly the members above, the
 * pinned algorithms, well-formed values, and the canonical serialization.
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID`.
 */
export function parseProtectedHeader(json: string): JweProtectedHeader {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    throw invalid('JWE protected header is not JSON')
  }
  if (!isRecord(value)) throw invalid('JWE protected header is not an object')
  const { alg, enc, kid, pid, oid, sid, n, hc, v, epk } = value
  if (alg !== 'ECDH-ES+A256KW' || enc !== 'A256GCM') throw invalid('JWE algorithm not allowed')
  if (v !== 1) throw invalid('JWE profile version not supported')
  if (!isId(kid, MAX_KAS_ID_SIZE) || !isId(pid, MAX_POLICY_ID_SIZE)) throw invalid('bad kid or pid')
  if (!isBase64urlOf(oid, 16) || !isBase64urlOf(hc, 32)) throw invalid('bad oid or hc')
  if (!isShareIndex(sid) || !isShareIndex(n) || sid > n) throw invalid('bad sid or n')
  if (!isRecord(epk) || epk.kty !== 'OKP' || epk.crv !== 'X25519' || !isBase64urlOf(epk.x, 32)) {
    throw invalid('bad epk')
  }
  const header: JweProtectedHeader = {
    alg,
    enc,
    kid,
    pid,
    oid,
    sid,
    n,
    hc,
    v,
    epk: { x: epk.x, crv: epk.crv, kty: epk.kty },
  }
  if (serializeProtectedHeader(header) !== json) throw invalid('JWE protected header not canonical')
  return header
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isId(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max && ID_PATTERN.test(value)
}

function isBase64urlOf(value: unknown, size: number): value is string {
  return typeof value === 'string' && decodeBase64url(value)?.length === size
}

function isShareIndex(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_SHARES
}

function invalid(message: string): FormatError {
  return new FormatError('ERR_FORMAT_HEADER_INVALID', message)
}
