const ALGORITHM_ID = 'ECDH-ES+A256KW'

/**
 * The JWA Concat KDF input (RFC 7518 §4.6.2, NIST SP 800-56A) for `ECDH-ES+A256KW` with empty
 * `apu` and `apv`: `counter 1 ‖ Z ‖ OtherInfo`. One SHA-256 of it is the 256-bit KEK. Shared by
 * both builds.
 */
export function concatKdfInput(sharedSecret: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + sharedSecret.length + 4 + ALGORITHM_ID.length + 4 + 4 + 4)
  const view = new DataView(out.buffer)
  view.setUint32(0, 1)
  out.set(sharedSecret, 4)
  let offset = 4 + sharedSecret.length
  view.setUint32(offset, ALGORITHM_ID.length)
  offset += 4
  for (let i = 0; i < ALGORITHM_ID.length; i++) out[offset++] = ALGORITHM_ID.charCodeAt(i)
  // apu and apv lengths stay 0; SuppPubInfo is the key length in bits.
  view.setUint32(out.length - 4, 256)
  return out
}
