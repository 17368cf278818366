import { createHash } from 'node:crypto'

const ALGORITHM_ID = Buffer.from('ECDH-ES+A256KW', 'ascii')

/**
 * The JWA Concat KDF (RFC 7518 §4.6.2, NIST SP 800-56A) for `ECDH-ES+A256KW` with empty `apu` and
 * `apv`: one SHA-256 round, since the 256-bit KEK is one hash long.
 */
export function concatKdf(sharedSecret: Uint8Array): Buffer {
  const otherInfo = Buffer.alloc(4 + ALGORITHM_ID.length + 4 + 4 + 4)
  otherInfo.writeUInt32BE(ALGORITHM_ID.length, 0)
  ALGORITHM_ID.copy(otherInfo, 4)
  // apu and apv lengths stay 0; SuppPubInfo is the key length in bits.
  otherInfo.writeUInt32BE(256, otherInfo.length - 4)
  return createHash('sha256')
    .update(Uint8Array.of(0, 0, 0, 1))
    .update(sharedSecret)
    .update(otherInfo)
    .digest()
}
