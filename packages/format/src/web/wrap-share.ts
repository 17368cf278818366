import { FormatError } from '../errors.js'
import { encodeBase64url } from '../internal/base64url.js'
import { isAllZero } from '../internal/is-all-zero.js'
import type { WrapRandomness } from '../internal/writer-material.js'
import { concatKdfInput } from '../jwe/concat-kdf-input.js'
import { type ShareBinding, serializeProtectedHeader } from '../jwe/protected-header.js'
import { asciiBytes, type CryptoKey, randomBytes, sha256, subtle } from './subtle.js'
import { importX25519PrivateKey } from './x25519.js'

/** Where a share is wrapped to: a key server's (or a client's throw-away) X25519 key and its id. */
export interface WrapRecipient {
  readonly kid: string
  readonly publicKey: CryptoKey
}

/** A share wrap whose key agreement is done (see the Node build's `prepareShareWrap`). */
export interface PreparedShareWrap {
  /**
   * Completes the JWE of one share under this wrap's ephemeral key; a prepared wrap makes one JWE.
   *
   * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` for a share that is not 32 bytes, or a
   *   second call.
   */
  wrap(share: Uint8Array, binding: ShareBinding): Promise<string>
}

/**
 * Does the recipient-dependent half of a share wrap (web build): a fresh ephemeral X25519 key,
 * the shared secret with `recipient` and the key-wrapping key (Concat KDF).
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` for a recipient key of small order.
 */
export function prepareShareWrap(recipient: WrapRecipient): Promise<PreparedShareWrap> {
  return prepareShareWrapWithMaterial(recipient, undefined)
}

/** {@link prepareShareWrap} with the JWE's randomness given (writers, and test vectors). */
export async function prepareShareWrapWithMaterial(
  recipient: WrapRecipient,
  material: WrapRandomness | undefined,
): Promise<PreparedShareWrap> {
  let privateKey: CryptoKey
  let epkX: string
  if (material?.ephemeralPrivateKey === undefined) {
    const pair = await subtle().generateKey({ name: 'X25519' }, false, ['deriveBits'])
    const { publicKey } = pair as { publicKey: CryptoKey; privateKey: CryptoKey }
    privateKey = (pair as { privateKey: CryptoKey }).privateKey
    epkX = encodeBase64url(new Uint8Array(await subtle().exportKey('raw', publicKey)))
  } else {
    privateKey = await importX25519PrivateKey(material.ephemeralPrivateKey, true)
    epkX = String((await subtle().exportKey('jwk', privateKey)).x)
  }
  let secret: Uint8Array
  try {
    secret = new Uint8Array(
      await subtle().deriveBits({ name: 'X25519', public: recipient.publicKey }, privateKey, 256),
    )
  } catch (cause) {
    // WebCrypto refuses the all-zero result of a small-order point itself (RFC 7748 §6.1).
    throw lowOrder(cause)
  }
  if (isAllZero(secret)) throw lowOrder()
  const input = concatKdfInput(secret)
  secret.fill(0)
  let kek: Uint8Array | undefined = await sha256(input)
  input.fill(0)
  return {
    async wrap(share, binding) {
      if (kek === undefined)
        throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'a prepared share wrap wraps once')
      if (share.length !== 32)
        throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'share must be 32 bytes')
      const wrapping = kek
      kek = undefined
      try {
        return await completeJwe(share, recipient.kid, binding, epkX, wrapping, material)
      } finally {
        wrapping.fill(0)
      }
    },
  }
}

/**
 * Wraps a 32-byte share as a compact JWE (`ECDH-ES+A256KW` with X25519, `A256GCM`) whose
 * protected header carries the binding: byte-for-byte what the Node build writes.
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` for a share that is not 32 bytes or a
 *   recipient key of small order.
 */
export function wrapShare(
  share: Uint8Array,
  recipient: WrapRecipient,
  binding: ShareBinding,
): Promise<string> {
  return wrapShareWithMaterial(share, recipient, binding, undefined)
}

/** {@link wrapShare} with the JWE's randomness given (test vectors only for the ephemeral key). */
export async function wrapShareWithMaterial(
  share: Uint8Array,
  recipient: WrapRecipient,
  binding: ShareBinding,
  material: WrapRandomness | undefined,
): Promise<string> {
  if (share.length !== 32)
    throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'share must be 32 bytes')
  return (await prepareShareWrapWithMaterial(recipient, material)).wrap(share, binding)
}

async function completeJwe(
  share: Uint8Array,
  kid: string,
  binding: ShareBinding,
  epkX: string,
  kek: Uint8Array,
  material: WrapRandomness | undefined,
): Promise<string> {
  const random = material === undefined ? randomBytes(44) : undefined
  const cek = material?.cek ?? (random as Uint8Array).subarray(0, 32)
  const iv = material?.iv ?? (random as Uint8Array).subarray(32)
  const [kekKey, cekKey] = await Promise.all([
    subtle().importKey('raw', kek, 'AES-KW', false, ['wrapKey']),
    subtle().importKey('raw', cek, 'AES-GCM', true, ['encrypt']),
  ])
  random?.fill(0, 0, 32)
  const encryptedKey = new Uint8Array(await subtle().wrapKey('raw', cekKey, kekKey, 'AES-KW'))
  const header = serializeProtectedHeader({
    alg: 'ECDH-ES+A256KW',
    enc: 'A256GCM',
    kid,
    pid: binding.policyId,
    oid: binding.objectId,
    sid: binding.sid,
    n: binding.n,
    hc: binding.coreHash,
    v: 1,
    epk: { x: epkX, crv: 'X25519', kty: 'OKP' },
  })
  const protectedPart = encodeBase64url(new TextEncoder().encode(header))
  const sealed = new Uint8Array(
    await subtle().encrypt(
      { name: 'AES-GCM', iv, additionalData: asciiBytes(protectedPart) },
      cekKey,
      share,
    ),
  )
  return [protectedPart, encryptedKey, iv, sealed.subarray(0, 32), sealed.subarray(32)]
    .map((part) => (typeof part === 'string' ? part : encodeBase64url(part)))
    .join('.')
}

function lowOrder(cause?: unknown): FormatError {
  return new FormatError(
    'ERR_FORMAT_ARGUMENT_INVALID',
    'recipient key gives no usable shared secret (a low-order point)',
    { cause },
  )
}
