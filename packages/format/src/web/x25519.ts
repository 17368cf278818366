import { FormatError } from '../errors.js'
import { decodeBase64url, encodeBase64url } from '../internal/base64url.js'
import type { X25519PublicJwk } from '../jwe/x25519-public-jwk.js'
import { type CryptoKey, type CryptoKeyPair, joinPieces, subtle } from './subtle.js'

// DER prefix of an X25519 PKCS#8 private key (RFC 8410) before its 32 raw bytes.
const PKCS8_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x04,
  0x22,
  0x04,
  0x20,
)

/**
 * Generates a fresh X25519 key pair (WebCrypto: Chromium ≥ 133, Firefox ≥ 130, Node ≥ 20). The
 * private key cannot be exported.
 */
export async function generateX25519KeyPair(): Promise<CryptoKeyPair> {
  return (await subtle().generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair
}

/**
 * Imports an X25519 public key from its 32 raw bytes, a JWK, or a WebCrypto key.
 *
 * @throws FormatError `ERR_FORMAT_ARGUMENT_INVALID` when it is not an X25519 public key.
 */
export async function importX25519PublicKey(
  key: CryptoKey | Uint8Array | X25519PublicJwk,
): Promise<CryptoKey> {
  if (key instanceof Uint8Array) {
    if (key.length !== 32) throw notX25519()
    return subtle().importKey('raw', key, { name: 'X25519' }, true, [])
  }
  if (isCryptoKey(key)) {
    if (key.type !== 'public' || key.algorithm.name !== 'X25519') throw notX25519()
    return key
  }
  if (key.kty !== 'OKP' || key.crv !== 'X25519') throw notX25519()
  const raw = decodeBase64url(key.x)
  if (raw?.length !== 32) throw notX25519()
  return subtle().importKey('raw', raw, { name: 'X25519' }, true, [])
}

/**
 * Imports an X25519 private key from its 32 raw bytes (test vectors and key storage).
 *
 * @param extractable - whether the key (and so its public half, as a JWK) may be exported.
 */
export async function importX25519PrivateKey(
  raw: Uint8Array,
  extractable = false,
): Promise<CryptoKey> {
  if (raw.length !== 32) throw notX25519()
  const der = joinPieces([PKCS8_PREFIX, raw])
  try {
    return await subtle().importKey('pkcs8', der, { name: 'X25519' }, extractable, ['deriveBits'])
  } finally {
    der.fill(0)
  }
}

/** The 32 raw bytes of an X25519 public key. */
export async function exportX25519PublicKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle().exportKey('raw', key))
}

/**
 * An X25519 public key as a JWK (RFC 8037), the form a key server publishes and a client sends.
 *
 * @param key - the public X25519 key.
 * @param kid - the key id to name in the JWK, if any.
 */
export async function exportX25519PublicJwk(
  key: CryptoKey,
  kid?: string,
): Promise<X25519PublicJwk> {
  const x = encodeBase64url(await exportX25519PublicKey(key))
  return kid === undefined
    ? { kty: 'OKP', crv: 'X25519', x }
    : { kty: 'OKP', crv: 'X25519', x, kid }
}

function isCryptoKey(key: object): key is CryptoKey {
  return 'algorithm' in key && 'type' in key && 'usages' in key
}

function notX25519(): FormatError {
  return new FormatError('ERR_FORMAT_ARGUMENT_INVALID', 'expected an X25519 key')
}
