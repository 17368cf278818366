import { createHash } from 'node:crypto'

/** `hc = SHA-256(header core)`. */
export function hashHeaderCore(coreBytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(coreBytes).digest()
}
