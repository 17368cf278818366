import { sign } from 'node:crypto'
import type { Checkpoint, CheckpointSigner } from './checkpoint.js'
import { checkpointKeyId } from './checkpoint-key-id.js'
import { base64, HASH_SIZE, ISO_TIME, ORIGIN, unsignable } from './internal/note-syntax.js'

/**
 * Signs a checkpoint as a C2SP signed note:
 *
 * ```text
 * <origin>\n<size>\n<base64 head hash>\nts <RFC 3339 UTC, ms>\nprev <base64 | none>\n
 * \n
 * — <key name> <base64(key id ‖ Ed25519 signature)>\n
 * ```
 *
 * The signature covers the body: every byte before the blank line, including its final `\n`.
 *
 * @param checkpoint what to commit to.
 * @param signer an Ed25519 private key and its name.
 * @returns the note's full text (store it verbatim: the next note's `prev` hashes it).
 * @throws AuditError `ERR_AUDIT_ARGUMENT_INVALID` if the checkpoint or the key cannot be written
 *   as a valid note (bad origin or key name, size not a non-negative safe integer, hash not 32
 *   bytes, time invalid or outside years 0000–9999, key not Ed25519).
 * @example
 * const note = signCheckpoint(
 *   { origin, size, headHash, time: new Date(), previousNoteHash: noteHash(lastNote) },
 *   signer,
 * )
 */
export function signCheckpoint(checkpoint: Checkpoint, signer: CheckpointSigner): string {
  const { origin, size, headHash, time, previousNoteHash } = checkpoint
  if (!ORIGIN.test(origin)) throw unsignable('origin must be printable ASCII without space or +')
  if (!Number.isSafeInteger(size) || size < 0) throw unsignable('size must be a safe integer ≥ 0')
  if (headHash.length !== HASH_SIZE) throw unsignable('head hash must be 32 bytes')
  if (previousNoteHash !== undefined && previousNoteHash.length !== HASH_SIZE) {
    throw unsignable('previous note hash must be 32 bytes')
  }
  const ts = Number.isNaN(time.getTime()) ? '' : time.toISOString()
  if (!ISO_TIME.test(ts)) throw unsignable('time must be a valid date in years 0000–9999')
  if (signer.privateKey.type !== 'private' || signer.privateKey.asymmetricKeyType !== 'ed25519') {
    throw unsignable('the signing key must be an Ed25519 private key')
  }
  const prev = previousNoteHash === undefined ? 'none' : base64(previousNoteHash)
  const body = `${origin}\n${size}\n${base64(headHash)}\nts ${ts}\nprev ${prev}\n`
  const keyId = checkpointKeyId(signer.name, signer.privateKey)
  const signature = sign(null, Buffer.from(body, 'utf8'), signer.privateKey)
  return `${body}\n\u2014 ${signer.name} ${Buffer.concat([keyId, signature]).toString('base64')}\n`
}
