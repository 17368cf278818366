import type { CheckpointVerifierKey } from './checkpoint.js'
import { checkpointKeyId } from './checkpoint-key-id.js'

/**
 * A checkpoint verification key in the signed-note verifier-key text form,
 * `<name>+<key id, 8 hex digits>+<base64(0x01 ‖ 32-byte Ed25519 key)>`: what an auditor pins
 * (`latch audit verify --key`), published at `GET /v1/audit/key`.
 *
 * @param key the Ed25519 public key and its name.
 * @returns the text form, which `parseVerifierKey` reads back.
 * @throws AuditError `ERR_AUDIT_ARGUMENT_INVALID` if the name is not a valid key name or the key
 *   is not Ed25519.
 * @example
 * formatVerifierKey(key) // 'latch-checkpoint-k1+1a2b3c4d+AQ…'
 */
export function formatVerifierKey(key: CheckpointVerifierKey): string {
  const id = checkpointKeyId(key.name, key.publicKey).toString('hex')
  const raw = Buffer.from(key.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url')
  return `${key.name}+${id}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}`
}
