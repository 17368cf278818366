import { createHash } from 'node:crypto'
import { concatKdfInput } from './concat-kdf-input.js'

/**
 * The JWA Concat KDF (RFC 7518 §4.6.2, NIST SP 800-56A) for `ECDH-ES+A256KW` with empty `apu` and
 * `apv`: one SHA-256 round, since the 256-bit KEK is one hash long.
 */
export function concatKdf(sharedSecret: Uint8Array): Buffer {
  const input = concatKdfInput(sharedSecret)
  const kek = createHash('sha256').update(input).digest()
  input.fill(0)
  return kek
}
