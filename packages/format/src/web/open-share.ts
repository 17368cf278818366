import { decryptFailed } from '../errors.js'
import { decodeBase64url } from '../internal/base64url.js'
import { isAllZero } from '../internal/is-all-zero.js'
import { concatKdfInput } from '../jwe/concat-kdf-input.js'
import { type CompactJwe, parseCompactJwe } from '../jwe/parse-compact-jwe.js'
import type { ShareBinding } from '../jwe/protected-header.js'
import { asciiBytes, type CryptoKey, joinPieces, sha256, subtle } from './subtle.js'

/**
 * Opens a key-entry JWE with the recipient's X25519 private key and returns the 32-byte share
 * (web build). When `expected` is given, the protected header must carry exactly that binding.
 * Every failure after parsing throws the same error after the same work.
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` when the JWE breaks the profile;
 *   `ERR_FORMAT_DECRYPT_FAILED` for every cryptographic or binding failure.
 */
export async function openShare(
  jwe: string | CompactJwe,
  privateKey: CryptoKey,
  expected?: ShareBinding,
): Promise<Uint8Array> {
  const parsed = typeof jwe === 'string' ? parseCompactJwe(jwe) : jwe
  let share: Uint8Array | undefined
  try {
    share = await decrypt(parsed, privateKey)
  } catch {
    share = undefined
  }
  const bound = expected === undefined || bindingMatches(parsed, expected)
  if (share === undefined || !bound) {
    share?.fill(0)
    throw decryptFailed()
  }
  return share
}

async function decrypt(jwe: CompactJwe, privateKey: CryptoKey): Promise<Uint8Array> {
  const x = decodeBase64url(jwe.header.epk.x) as Uint8Array
  const epk = await subtle().importKey('raw', x, { name: 'X25519' }, true, [])
  const secret = new Uint8Array(
    await subtle().deriveBits({ name: 'X25519', public: epk }, privateKey, 256),
  )
  if (isAllZero(secret)) throw new Error('low-order epk')
  const input = concatKdfInput(secret)
  secret.fill(0)
  const kek = await sha256(input)
  input.fill(0)
  const kekKey = await subtle().importKey('raw', kek, 'AES-KW', false, ['unwrapKey'])
  kek.fill(0)
  const cek = await subtle().unwrapKey(
    'raw',
    jwe.encryptedKey,
    kekKey,
    'AES-KW',
    'AES-GCM',
    false,
    ['decrypt'],
  )
  const params = { name: 'AES-GCM', iv: jwe.iv, additionalData: asciiBytes(jwe.protectedPart) }
  return new Uint8Array(await subtle().decrypt(params, cek, joinPieces([jwe.ciphertext, jwe.tag])))
}

function bindingMatches(jwe: CompactJwe, expected: ShareBinding): boolean {
  const h = jwe.header
  return (
    h.pid === expected.policyId &&
    h.oid === expected.objectId &&
    h.hc === expected.coreHash &&
    h.sid === expected.sid &&
    h.n === expected.n
  )
}
