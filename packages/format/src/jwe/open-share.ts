import { createDecipheriv, diffieHellman, type KeyObject } from 'node:crypto'
import { decryptFailed } from '../errors.js'
import { isAllZero } from '../internal/bytes.js'
import { concatKdf } from './concat-kdf.js'
import { type CompactJwe, parseCompactJwe } from './parse-compact-jwe.js'
import type { ShareBinding } from './protected-header.js'
import { AES_KW_IV } from './wrap-share.js'
import { importX25519PublicKey } from './x25519.js'

/**
 * Opens a key-entry JWE with the recipient's X25519 private key and returns the 32-byte share.
 * When `expected` is given, the protected header must carry exactly that binding (policy id,
 * object id, header-core hash, sid, n). The caller picks the private key by `header.kid`.
 *
 * Every failure after parsing (a bad epk, AES-KW or GCM failure, a binding that does not match)
 * throws the same error after the same work, so no answer tells which check failed.
 *
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` when the JWE breaks the profile;
 *   `ERR_FORMAT_DECRYPT_FAILED` for every cryptographic or binding failure.
 */
export function openShare(
  jwe: string | CompactJwe,
  privateKey: KeyObject,
  expected?: ShareBinding,
): Uint8Array {
  const parsed = typeof jwe === 'string' ? parseCompactJwe(jwe) : jwe
  let share: Buffer | undefined
  try {
    share = decrypt(parsed, privateKey)
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

function decrypt(jwe: CompactJwe, privateKey: KeyObject): Buffer {
  const epk = importX25519PublicKey(Buffer.from(jwe.header.epk.x, 'base64url'))
  const secret = diffieHellman({ privateKey, publicKey: epk })
  if (isAllZero(secret)) throw new Error('low-order epk')
  const unwrap = createDecipheriv('id-aes256-wrap', concatKdf(secret), AES_KW_IV)
  const cek = Buffer.concat([unwrap.update(jwe.encryptedKey), unwrap.final()])
  const gcm = createDecipheriv('aes-256-gcm', cek, jwe.iv)
  gcm.setAAD(Buffer.from(jwe.protectedPart, 'ascii'))
  gcm.setAuthTag(jwe.tag)
  const share = Buffer.concat([gcm.update(jwe.ciphertext), gcm.final()])
  cek.fill(0)
  return share
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
