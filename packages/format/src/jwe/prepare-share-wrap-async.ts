import { FormatError } from '../errors.js'
import { fromBase64url } from '../internal/bytes.js'
import { lowOrder, type PreparedShareWrap, prepareFromSecret } from './wrap-share.js'
import {
  deriveX25519Secret,
  type EphemeralX25519CryptoKey,
  generateEphemeralX25519CryptoKey,
  type X25519CryptoKey,
} from './x25519-crypto-key.js'

/** Where a share is wrapped to, as a WebCrypto key (see `importX25519PublicCryptoKey`). */
export interface AsyncWrapRecipient {
  readonly kid: string
  readonly publicKey: X25519CryptoKey
}

/**
 * {@link prepareShareWrap} with the key agreement (and, without `ephemeral`, the ephemeral key)
 * on libuv's thread pool through WebCrypto, for a key server whose event loop is its limit. The
 * same checks: a recipient key of small order is refused here, before any decision.
 *
 * @param recipient - the X25519 key the JWE is for, and the `kid` its header names.
 * @param ephemeral - the JWE's ephemeral key, made ahead (`generateEphemeralX25519CryptoKey`);
 *   fresh and used for this one wrap only. Made here when absent.
 * @returns the prepared wrap, for exactly one JWE; its `wrap` is synchronous.
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` for a recipient key of small order, any key
 *   the agreement fails on, or an `ephemeral` whose `x` is not 32 bytes.
 */
export async function prepareShareWrapAsync(
  recipient: AsyncWrapRecipient,
  ephemeral?: EphemeralX25519CryptoKey,
): Promise<PreparedShareWrap> {
  const key = ephemeral ?? (await generateEphemeralX25519CryptoKey())
  if (fromBase64url(key.x)?.length !== 32) {
    throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'ephemeral key must be an X25519 pair')
  }
  let secret: Uint8Array
  try {
    secret = await deriveX25519Secret(key.privateKey, recipient.publicKey)
  } catch (cause) {
    // OpenSSL refuses the all-zero result of a small-order point itself (RFC 7748 §6.1's check).
    throw lowOrder(cause)
  }
  return prepareFromSecret(recipient.kid, key.x, secret, undefined)
}
