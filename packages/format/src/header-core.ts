import {
  ID_PATTERN,
  MAGIC,
  MAX_POLICY_ID_SIZE,
  OBJECT_ID_SIZE,
  SALT_SIZE,
  SEGMENT_LOG2,
  SUITE,
  VERSION,
} from './constants.js'
import { FormatError } from './errors.js'

/**
 * The header core: the fields that name an object and fix its keys. Its SHA-256 (`hc`) feeds the
 * key derivation and is carried in every key entry's JWE, which binds each wrapped share to this
 * one object under this one policy.
 */
export interface HeaderCore {
  /** Random 128-bit object id (`oid`). */
  readonly objectId: Uint8Array
  /** Random 256-bit HKDF salt. */
  readonly salt: Uint8Array
  /** The policy id the key server assigned: 1–255 characters of `[A-Za-z0-9._:-]`. */
  readonly policyId: string
}

/** Byte size of the core before the policy id: magic, version, suite, seg_log2, oid, salt, pid_len. */
export const CORE_FIXED_SIZE = 4 + 1 + 2 + 1 + OBJECT_ID_SIZE + SALT_SIZE + 1

/**
 * Encodes a header core: `magic ‖ version ‖ suite ‖ seg_log2 ‖ object_id ‖ salt ‖ pid_len ‖
 * policy_id`, the header's own bytes without `header_len` and `reserved`.
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` for a bad object id, salt or policy id.
 */
export function encodeHeaderCore(core: HeaderCore): Uint8Array {
  checkPolicyId(core.policyId, 'ERR_FORMAT_ARGUMENT_INVALID')
  if (core.objectId.length !== OBJECT_ID_SIZE || core.salt.length !== SALT_SIZE) {
    throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'object id must be 16 bytes and salt 32')
  }
  const out = new Uint8Array(CORE_FIXED_SIZE + core.policyId.length)
  const view = new DataView(out.buffer)
  out.set(MAGIC, 0)
  out[4] = VERSION
  view.setUint16(5, SUITE)
  out[7] = SEGMENT_LOG2
  out.set(core.objectId, 8)
  out.set(core.salt, 8 + OBJECT_ID_SIZE)
  out[CORE_FIXED_SIZE - 1] = core.policyId.length
  for (let i = 0; i < core.policyId.length; i++)
    out[CORE_FIXED_SIZE + i] = core.policyId.charCodeAt(i)
  return out
}

/**
 * Parses an encoded header core strictly (the key server receives it from clients).
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` or `ERR_FORMAT_VERSION_UNSUPPORTED`.
 */
export function parseHeaderCore(bytes: Uint8Array): HeaderCore {
  if (bytes.length < CORE_FIXED_SIZE + 1) throw invalid('header core too short')
  checkPrefix(bytes)
  const pidLength = bytes[CORE_FIXED_SIZE - 1] ?? 0
  if (bytes.length !== CORE_FIXED_SIZE + pidLength) throw invalid('header core length mismatch')
  const policyId = String.fromCharCode(...bytes.subarray(CORE_FIXED_SIZE))
  checkPolicyId(policyId, 'ERR_FORMAT_HEADER_INVALID')
  return {
    objectId: bytes.slice(8, 8 + OBJECT_ID_SIZE),
    salt: bytes.slice(8 + OBJECT_ID_SIZE, 8 + OBJECT_ID_SIZE + SALT_SIZE),
    policyId,
  }
}

/**
 * Checks magic, version, suite and seg_log2 (the first 8 bytes of a header or a core).
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` or `ERR_FORMAT_VERSION_UNSUPPORTED`.
 */
export function checkPrefix(bytes: Uint8Array): void {
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw invalid('not a Latch object (bad magic)')
  }
  if (bytes[4] !== VERSION) {
    throw new FormatError(
      'ERR_FORMAT_VERSION_UNSUPPORTED',
      `unsupported format version ${bytes[4]}`,
    )
  }
  const suite = ((bytes[5] ?? 0) << 8) | (bytes[6] ?? 0)
  if (suite !== SUITE || bytes[7] !== SEGMENT_LOG2) {
    throw new FormatError('ERR_FORMAT_VERSION_UNSUPPORTED', 'unsupported suite or segment size')
  }
}

function checkPolicyId(
  policyId: string,
  code: 'ERR_FORMAT_ARGUMENT_INVALID' | 'ERR_FORMAT_HEADER_INVALID',
): void {
  if (policyId.length < 1 || policyId.length > MAX_POLICY_ID_SIZE || !ID_PATTERN.test(policyId)) {
    throw new FormatError(code, 'policy id must be 1–255 characters of [A-Za-z0-9._:-]')
  }
}

function invalid(message: string): FormatError {
  return new FormatError('ERR_FORMAT_HEADER_INVALID', message)
}
