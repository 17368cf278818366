import { decryptFailed } from '../errors.js'
import { bindingMatches, decryptWithSecret } from './open-share.js'
import { type CompactJwe, parseCompactJwe } from './parse-compact-jwe.js'
import type { ShareBinding } from './protected-header.js'
import {
  deriveX25519Secret,
  importX25519PublicCryptoKey,
  type X25519CryptoKey,
} from './x25519-crypto-key.js'

/**
 * {@link openShare} with the key agreement on libuv's thread pool (WebCrypto `deriveBits`), for a
 * key server whose event loop is its limit: the same checks and the same single failure, after
 * the same work. The unwrap and the AEAD, a few microseconds, stay on `node:crypto`.
 *
 * @param jwe - the compact JWE, or one already parsed.
 * @param privateKey - the recipient's X25519 private key (`importX25519PrivateCryptoKey`).
 * @param expected - the binding the protected header must carry, if any.
 * @returns the 32-byte share.
 * @throws FormatError `ERR_FORMAT_HEADER_INVALID` when the JWE breaks the profile;
 *   `ERR_FORMAT_DECRYPT_FAILED` for every cryptographic or binding failure.
 */
export async function openShareAsync(
  jwe: string | CompactJwe,
  privateKey: X25519CryptoKey,
  expected?: ShareBinding,
): Promise<Uint8Array> {
  const parsed = typeof jwe === 'string' ? parseCompactJwe(jwe) : jwe
  let share: Buffer | undefined
  try {
    const epk = await importX25519PublicCryptoKey(parsed.header.epk.x)
    share = decryptWithSecret(parsed, await deriveX25519Secret(privateKey, epk))
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
