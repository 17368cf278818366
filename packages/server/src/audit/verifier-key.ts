import { createPublicKey } from 'node:crypto'
import { ServerError } from '../errors.js'
import { type CheckpointVerifierKey, checkpointKeyId } from './checkpoint-note.js'

// DER SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410) before its 32 raw bytes.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** An Ed25519 public key from its 32 raw bytes. */
export function ed25519PublicKey(raw: Uint8Array) {
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
    format: 'der',
    type: 'spki',
  })
}

/**
 * A checkpoint verification key in the signed-note verifier-key text form,
 * `<name>+<key id, 8 hex digits>+<base64(0x01 ‖ 32-byte Ed25519 key)>`: what an auditor pins
 * (`latch audit verify --key`), published at `GET /v1/audit/key`.
 */
export function formatVerifierKey(key: CheckpointVerifierKey): string {
  const raw = Buffer.from(key.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url')
  const id = checkpointKeyId(key.name, key.publicKey).toString('hex')
  return `${key.name}+${id}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}`
}

/**
 * Parses a verifier key and checks that its id matches its name and key.
 * @throws ServerError `ERR_AUDIT_CHECKPOINT_INVALID` for anything else.
 */
export function parseVerifierKey(text: string): CheckpointVerifierKey {
  const match = /^([^+\s]{1,64})\+([0-9a-f]{8})\+([A-Za-z0-9+/]{44})$/.exec(text.trim())
  const bytes = match === null ? undefined : Buffer.from(match[3] as string, 'base64')
  if (match === null || bytes === undefined || bytes.length !== 33 || bytes[0] !== 1) {
    throw new ServerError(
      'ERR_AUDIT_CHECKPOINT_INVALID',
      'a checkpoint key looks like name+0123abcd+AQ… (GET /v1/audit/key)',
    )
  }
  const key = { name: match[1] as string, publicKey: ed25519PublicKey(bytes.subarray(1)) }
  if (checkpointKeyId(key.name, key.publicKey).toString('hex') !== match[2]) {
    throw new ServerError(
      'ERR_AUDIT_CHECKPOINT_INVALID',
      'the checkpoint key id does not match its key',
    )
  }
  return key
}
