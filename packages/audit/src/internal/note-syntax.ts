import { AuditError } from '../audit-error.js'

// The pieces of the C2SP signed-note syntax that signing, parsing and key ids share.

/** An origin line: printable ASCII without space or `+`, 1–255 characters. */
export const ORIGIN = /^[\x21-\x2a\x2c-\x7e]{1,255}$/
/** A key name: 1–64 of `A–Z a–z 0–9 . _ : -`. */
export const KEY_NAME = /^[A-Za-z0-9._:-]{1,64}$/
/** A note's time: RFC 3339 UTC with milliseconds, as `toISOString()` writes it. */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
/** A SHA-256 hash: the head, `prev`. */
export const HASH_SIZE = 32
/** The key id that prefixes a signature. */
export const KEY_ID_SIZE = 4
/** A raw Ed25519 public key. */
export const ED25519_KEY_SIZE = 32
/** An Ed25519 signature. */
export const SIGNATURE_SIZE = 64
/** DER SubjectPublicKeyInfo of an Ed25519 key: this 12-byte prefix, then the raw 32-byte key. */
export const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** Standard padded base64 of `bytes`. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** The `size` bytes `text` spells in canonical base64, or `undefined`. */
export function decodeBase64(text: string, size: number): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64')
  // Node's decoder skips junk and accepts missing padding: only the one canonical spelling passes.
  return bytes.length === size && bytes.toString('base64') === text ? bytes : undefined
}

/** A note that does not parse or verify. */
export function noteInvalid(reason: string): AuditError {
  return new AuditError('ERR_AUDIT_CHECKPOINT_INVALID', `checkpoint note: ${reason}`)
}

/** A checkpoint or key that cannot be written as a valid note. */
export function unsignable(reason: string): AuditError {
  return new AuditError('ERR_AUDIT_ARGUMENT_INVALID', `checkpoint: ${reason}`)
}
