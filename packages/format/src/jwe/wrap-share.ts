import {
  createCipheriv,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  randomBytes,
} from 'node:crypto'
import { FormatError } from '../errors.js'
import { fromBase64url, isAllZero, toBase64url } from '../internal/bytes.js'
import { concatKdf } from './concat-kdf.js'
import { type ShareBinding, serializeProtectedHeader } from './protected-header.js'
import { importX25519PrivateKey } from './x25519.js'

/**
 * An X25519 key pair made for one JWE's `epk`: the private key and its public half's `x`
 * (base64url, as the JWE header carries it). Never reuse one for a second JWE.
 */
export interface EphemeralX25519Key {
  readonly privateKey: KeyObject
  readonly x: string
}

/** RFC 3394's default initial value, which AES-KW checks on unwrap. */
export const AES_KW_IV: Buffer = Buffer.from('a6a6a6a6a6a6a6a6', 'hex')

/** Where a share is wrapped to: a key server's (or a client's throw-away) X25519 key and its id. */
export interface WrapRecipient {
  readonly kid: string
  readonly publicKey: KeyObject
}

/**
 * The random inputs of one JWE. Writers pass a CEK and IV from their one CSPRNG draw; only test
 * vectors fix the ephemeral key too (`@latch/format/testing`).
 */
export interface WrapMaterial {
  readonly ephemeralPrivateKey?: Uint8Array
  readonly cek: Uint8Array
  readonly iv: Uint8Array
}

/**
 * A share wrap whose key agreement with the recipient is done: {@link PreparedShareWrap.wrap}
 * can no longer fail because of the recipient's key. Made by {@link prepareShareWrap}.
 */
export interface PreparedShareWrap {
  /**
   * Completes the JWE of one share under this wrap's ephemeral key. A prepared wrap makes one
   * JWE: its ephemeral key is never reused.
   *
   * @param share - the 32-byte share.
   * @param binding - the object and share the protected header names.
   * @returns the compact JWE.
   * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` for a share that is not 32 bytes, or a
   *   second call.
   */
  wrap(share: Uint8Array, binding: ShareBinding): string
}

/**
 * Does the recipient-dependent half of a share wrap ahead of time: draws the ephemeral X25519
 * key, agrees the shared secret with `recipient` and derives the key-wrapping key. A key server
 * prepares the re-wrap to a client's key before it decides, so that a key it cannot wrap to is
 * refused before any audit record says a share was released.
 *
 * @param recipient - the X25519 key the JWE is for, and the `kid` its header names.
 * @param ephemeral - the JWE's ephemeral key, generated ahead (a key server draws them on the
 *   thread pool); fresh and used for this one wrap only. Drawn here when absent.
 * @returns the prepared wrap, for exactly one JWE.
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` for a recipient key of small order (its
 *   shared secret is all zero, RFC 7748 §6.1), any key the agreement fails on, or an
 *   `ephemeral` that is not an X25519 private key with a 32-byte public half.
 * @example
 * ```ts
 * const prepared = prepareShareWrap({ kid: 'client', publicKey })   // throws for a bad key
 * // … decide and commit the audit record …
 * const jwe = prepared.wrap(share, binding)
 * ```
 */
export function prepareShareWrap(
  recipient: WrapRecipient,
  ephemeral?: EphemeralX25519Key,
): PreparedShareWrap {
  if (ephemeral === undefined) return prepareShareWrapWithMaterial(recipient, undefined)
  if (
    ephemeral.privateKey.type !== 'private' ||
    ephemeral.privateKey.asymmetricKeyType !== 'x25519' ||
    fromBase64url(ephemeral.x)?.length !== 32
  ) {
    throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'ephemeral key must be an X25519 pair')
  }
  return prepareWithKey(recipient, ephemeral.privateKey, ephemeral.x, undefined)
}

/**
 * {@link prepareShareWrap} with the JWE's randomness given: a writer passes the CEK and IV of its
 * one CSPRNG draw, and only test vectors fix the ephemeral key too (`@latch/format/testing`).
 *
 * @param recipient - the X25519 key the JWE is for, and the `kid` its header names.
 * @param material - the CEK, IV and maybe ephemeral key; everything is random when `undefined`.
 * @returns the prepared wrap, for exactly one JWE.
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID`, as {@link prepareShareWrap}.
 */
export function prepareShareWrapWithMaterial(
  recipient: WrapRecipient,
  material: WrapMaterial | undefined,
): PreparedShareWrap {
  // Not generateKeyPairSync: see generateX25519KeyPair (a deadlock on Node 20).
  const raw = material?.ephemeralPrivateKey ?? randomBytes(32)
  const ephemeralPrivateKey = importX25519PrivateKey(raw)
  if (material?.ephemeralPrivateKey === undefined) raw.fill(0)
  const epkX = createPublicKey(ephemeralPrivateKey).export({ format: 'jwk' }).x ?? ''
  return prepareWithKey(recipient, ephemeralPrivateKey, epkX, material)
}

function prepareWithKey(
  recipient: WrapRecipient,
  ephemeralPrivateKey: KeyObject,
  epkX: string,
  material: WrapMaterial | undefined,
): PreparedShareWrap {
  let secret: Buffer
  try {
    secret = diffieHellman({ privateKey: ephemeralPrivateKey, publicKey: recipient.publicKey })
  } catch (cause) {
    // OpenSSL refuses the all-zero result of a small-order point itself (RFC 7748 §6.1's check).
    throw lowOrder(cause)
  }
  if (isAllZero(secret)) throw lowOrder()
  let kek: Buffer | undefined = concatKdf(secret)
  secret.fill(0)
  return {
    wrap(share, binding) {
      if (kek === undefined)
        throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'a prepared share wrap wraps once')
      if (share.length !== 32)
        throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'share must be 32 bytes')
      try {
        return completeJwe(share, recipient.kid, binding, epkX, kek, material)
      } finally {
        kek.fill(0)
        kek = undefined
      }
    },
  }
}

/**
 * Wraps a 32-byte share as a compact JWE (`ECDH-ES+A256KW` with X25519, `A256GCM`) whose
 * protected header carries the binding: {@link prepareShareWrap} and its `wrap` in one call.
 * Implemented on `node:crypto` (about 10× faster than `jose`'s WebCrypto path here); tests check
 * that `jose` opens it and writes the same bytes.
 *
 * @param share - the 32-byte share.
 * @param recipient - the X25519 key the JWE is for, and the `kid` its header names.
 * @param binding - the object and share the protected header names.
 * @returns the compact JWE.
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` for a share that is not 32 bytes or a
 *   recipient key of small order.
 */
export function wrapShare(
  share: Uint8Array,
  recipient: WrapRecipient,
  binding: ShareBinding,
): string {
  return wrapShareWithMaterial(share, recipient, binding, undefined)
}

/**
 * {@link wrapShare} with the JWE's randomness given (see {@link prepareShareWrapWithMaterial}).
 * Never fix the ephemeral key of a real JWE: test vectors only (`@latch/format/testing`).
 *
 * @param share - the 32-byte share.
 * @param recipient - the X25519 key the JWE is for, and the `kid` its header names.
 * @param binding - the object and share the protected header names.
 * @param material - the CEK, IV and maybe ephemeral key; everything is random when `undefined`.
 * @returns the compact JWE.
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID`, as {@link wrapShare}.
 */
export function wrapShareWithMaterial(
  share: Uint8Array,
  recipient: WrapRecipient,
  binding: ShareBinding,
  material: WrapMaterial | undefined,
): string {
  if (share.length !== 32)
    throw new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'share must be 32 bytes')
  return prepareShareWrapWithMaterial(recipient, material).wrap(share, binding)
}

function completeJwe(
  share: Uint8Array,
  kid: string,
  binding: ShareBinding,
  epkX: string,
  kek: Buffer,
  material: WrapMaterial | undefined,
): string {
  const random = material === undefined ? randomBytes(44) : undefined
  const cek = material?.cek ?? (random as Buffer).subarray(0, 32)
  const iv = material?.iv ?? (random as Buffer).subarray(32)
  const wrap = createCipheriv('id-aes256-wrap', kek, AES_KW_IV)
  const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()])
  const protectedPart = Buffer.from(
    serializeProtectedHeader({
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
    }),
  ).toString('base64url')
  const gcm = createCipheriv('aes-256-gcm', cek, iv)
  gcm.setAAD(Buffer.from(protectedPart, 'ascii'))
  const ciphertext = Buffer.concat([gcm.update(share), gcm.final()])
  // Only the CEK is secret; the IV is part of the output.
  random?.fill(0, 0, 32)
  return [protectedPart, encryptedKey, iv, ciphertext, gcm.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : toBase64url(part)))
    .join('.')
}

function lowOrder(cause?: unknown): FormatError {
  return new FormatError(
    'ERR_FORMAT_ARGUMENT_INVALID',
    'recipient key gives no usable shared secret (a low-order point)',
    { cause },
  )
}
