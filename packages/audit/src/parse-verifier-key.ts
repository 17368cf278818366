import { AuditError } from './audit-error.js'
import type { CheckpointVerifierKey } from './checkpoint.js'
import { checkpointKeyId } from './checkpoint-key-id.js'
import { ed25519PublicKey } from './ed25519-public-key.js'

/**
 * Parses a verifier key (`formatVerifierKey`'s form, `name+keyid+base64(0x01 ‖ key)`) and checks
 * that its id matches its name and key.
 *
 * @param text the key as pinned (`latch audit verify --key`); white space around it is ignored.
 * @returns the key a verifier trusts.
 * @throws AuditError `ERR_AUDIT_CHECKPOINT_INVALID` for anything else.
 * @example
 * const key = parseVerifierKey((await client.auditKey()).verifierKey)
 */
export function parseVerifierKey(text: string): CheckpointVerifierKey {
  const match = /^([^+\s]{1,64})\+([0-9a-f]{8})\+([A-Za-z0-9+/]{44})$/.exec(text.trim())
  const bytes = match === null ? undefined : Buffer.from(match[3] as string, 'base64')
  if (match === null || bytes === undefined || bytes.length !== 33 || bytes[0] !== 1) {
    throw new AuditError(
      'ERR_AUDIT_CHECKPOINT_INVALID',
      'a checkpoint key looks like name+0123abcd+AQ… (GET /v1/audit/key)',
    )
  }
  const key = { name: match[1] as string, publicKey: ed25519PublicKey(bytes.subarray(1)) }
  let id: string
  try {
    id = checkpointKeyId(key.name, key.publicKey).toString('hex')
  } catch (cause) {
    throw new AuditError(
      'ERR_AUDIT_CHECKPOINT_INVALID',
      'the checkpoint key name is not 1–64 of A–Z a–z 0–9 . _ : -',
      { cause },
    )
  }
  if (id !== match[2]) {
    throw new AuditError(
      'ERR_AUDIT_CHECKPOINT_INVALID',
      'the checkpoint key id does not match its key',
    )
  }
  return key
}
