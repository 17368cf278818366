import { webcrypto } from 'node:crypto'
import { FormatError } from '../errors.js'
import { fromBase64url, toBase64url } from '../internal/bytes.js'

/** A WebCrypto key as Node's `crypto.subtle` makes it. */
export type X25519CryptoKey = webcrypto.CryptoKey

/**
 * An X25519 key pair made for one JWE's `epk`, as WebCrypto keys: the private key and its public
 * half's `x` (base64url, as the JWE header carries it). Never reuse one for a second JWE.
 */
export interface EphemeralX25519CryptoKey {
  readonly privateKey: X25519CryptoKey
  readonly x: string
}

/**
 * Imports an X25519 public key, given as its `x` (base64url) or raw 32 bytes, as a WebCrypto key
 * for `deriveBits`: a key agreement through `crypto.subtle` runs on libuv's thread pool, off the
 * event loop.
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` when it is not 32 bytes of canonical
 *   base64url.
 */
export async function importX25519PublicCryptoKey(
  key: string | Uint8Array,
): Promise<X25519CryptoKey> {
  const raw = typeof key === 'string' ? fromBase64url(key) : key
  if (raw?.length !== 32) throw notX25519()
  try {
    return await webcrypto.subtle.importKey('raw', raw, 'X25519', true, [])
  } catch (cause) {
    throw notX25519(cause)
  }
}

/**
 * Imports an X25519 private key from its 32 raw bytes as a non-extractable WebCrypto key for
 * `deriveBits` (a key server imports its wrap keys once, when its key ring loads).
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` when `raw` is not 32 bytes.
 */
export async function importX25519PrivateCryptoKey(raw: Uint8Array): Promise<X25519CryptoKey> {
  if (raw.length !== 32) throw notX25519()
  // PKCS#8 (RFC 8410) rather than a JWK: the JWK import wants the public half and checks it.
  const der = Buffer.concat([PKCS8_PREFIX, raw])
  try {
    return await webcrypto.subtle.importKey('pkcs8', der, 'X25519', false, ['deriveBits'])
  } catch (cause) {
    throw notX25519(cause)
  } finally {
    der.fill(0)
  }
}

/**
 * Generates a fresh ephemeral X25519 key pair through `crypto.subtle`: the scalar
 * multiplications run on libuv's thread pool. The private key cannot be exported.
 */
export async function generateEphemeralX25519CryptoKey(): Promise<EphemeralX25519CryptoKey> {
  const pair = (await webcrypto.subtle.generateKey({ name: 'X25519' }, false, [
    'deriveBits',
  ])) as webcrypto.CryptoKeyPair
  const x = toBase64url(new Uint8Array(await webcrypto.subtle.exportKey('raw', pair.publicKey)))
  return { privateKey: pair.privateKey, x }
}

/**
 * The X25519 shared secret of `privateKey` and `publicKey`, computed on libuv's thread pool.
 *
 * @throws whatever WebCrypto throws (e.g. for a small-order public key); callers reword it.
 */
export async function deriveX25519Secret(
  privateKey: X25519CryptoKey,
  publicKey: X25519CryptoKey,
): Promise<Uint8Array> {
  return new Uint8Array(
    await webcrypto.subtle.deriveBits({ name: 'X25519', public: publicKey }, privateKey, 256),
  )
}

// DER prefix of an X25519 PKCS#8 private key (RFC 8410) before its 32 raw bytes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')

function notX25519(cause?: unknown): FormatError {
  return new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'expected an X25519 key', { cause })
}
