import { createPublicKey, type KeyObject } from 'node:crypto'
import { ED25519_SPKI_PREFIX } from './internal/note-syntax.js'

/**
 * An Ed25519 public key from its 32 raw bytes.
 *
 * @param raw the key's 32 bytes (RFC 8032).
 * @returns the key, for `verifyCheckpointNote` and `verifyAuditLog`.
 * @throws Error from `node:crypto` when `raw` is not 32 bytes.
 * @example
 * const key = { name, publicKey: ed25519PublicKey(Buffer.from(published.publicKey, 'base64')) }
 */
export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
    format: 'der',
    type: 'spki',
  })
}
