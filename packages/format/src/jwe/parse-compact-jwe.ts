import { MAX_JWE_SIZE } from '../constants.js'
import { FormatError } from '../errors.js'
import { decodeBase64url } from '../internal/base64url.js'
import { type JweProtectedHeader, parseProtectedHeader } from './protected-header.js'

/** A compact JWE split into its parts, checked against the Latch profile but not yet opened. */
export interface CompactJwe {
  readonly header: JweProtectedHeader
  /** The first part as sent: its ASCII bytes are the AAD of the content encryption. */
  readonly protectedPart: string
  readonly encryptedKey: Uint8Array
  readonly iv: Uint8Array
  readonly ciphertext: Uint8Array
  readonly tag: Uint8Array
}

// A 32-byte share under AES-KW (40 bytes) and A256GCM (12-byte IV, 16-byte tag).
const ENCRYPTED_KEY_SIZE = 40
const IV_SIZE = 12
const SHARE_SIZE = 32
const TAG_SIZE = 16

/**
 * Parses a compact JWE under the strict Latch profile: ≤ 2,048 ASCII characters, five parts of
 * canonical unpadded base64url, the canonical protected header, and the exact part sizes of a
 * 32-byte share wrapped with ECDH-ES+A256KW and A256GCM. No `zip`, `crit`, PBES2, `dir` or RSA
 * can pass, because only the members of the profile are accepted.
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID`.
 */
export function parseCompactJwe(jwe: string): CompactJwe {
  if (jwe.length > MAX_JWE_SIZE) throw invalid('JWE longer than 2,048 characters')
  const parts = jwe.split('.')
  if (parts.length !== 5) throw invalid('JWE must have five parts')
  const [protectedPart = '', keyPart = '', ivPart = '', ctPart = '', tagPart = ''] = parts
  const protectedBytes = decodeBase64url(protectedPart)
  const encryptedKey = decodeBase64url(keyPart)
  const iv = decodeBase64url(ivPart)
  const ciphertext = decodeBase64url(ctPart)
  const tag = decodeBase64url(tagPart)
  if (
    protectedBytes === undefined ||
    encryptedKey?.length !== ENCRYPTED_KEY_SIZE ||
    iv?.length !== IV_SIZE ||
    ciphertext?.length !== SHARE_SIZE ||
    tag?.length !== TAG_SIZE
  ) {
    throw invalid('JWE part is not canonical base64url of the expected size')
  }
  let json: string
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(protectedBytes)
  } catch {
    throw invalid('JWE protected header is not UTF-8')
  }
  return { header: parseProtectedHeader(json), protectedPart, encryptedKey, iv, ciphertext, tag }
}

function invalid(message: string): FormatError {
  return new FormatError('ERR_FORMAT_HEADER_INVALID', message)
}
