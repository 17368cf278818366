import { verify } from 'node:crypto'
import type { Checkpoint, CheckpointVerifierKey } from './checkpoint.js'
import { checkpointKeyId } from './checkpoint-key-id.js'
import { noteInvalid as invalid } from './internal/note-syntax.js'
import { parseCheckpointNote } from './parse-checkpoint-note.js'

/**
 * Parses a checkpoint note (`parseCheckpointNote`) and checks that it is signed by `key`: the key
 * name and the key id on the signature line must both match, and the Ed25519 signature must
 * verify over the body. Whether the origin is the expected one is the caller's check.
 *
 * @param note the note's full text.
 * @param key the trusted Ed25519 public key and its name.
 * @returns the checkpoint the note commits to.
 * @throws AuditError `ERR_AUDIT_CHECKPOINT_INVALID` naming the failure (a parse rule, another key
 *   name, another key id, a bad signature); `ERR_AUDIT_ARGUMENT_INVALID` if `key` is not an
 *   Ed25519 key with a valid name.
 * @example
 * const checkpoint = verifyCheckpointNote(note, { name, publicKey })
 */
export function verifyCheckpointNote(note: string, key: CheckpointVerifierKey): Checkpoint {
  const expectedId = checkpointKeyId(key.name, key.publicKey)
  const parsed = parseCheckpointNote(note)
  if (parsed.keyName !== key.name) {
    throw invalid(`signed by key "${parsed.keyName}", expected "${key.name}"`)
  }
  if (!expectedId.equals(parsed.keyId)) throw invalid(`key id does not match key "${key.name}"`)
  if (!verify(null, Buffer.from(parsed.body, 'utf8'), key.publicKey, parsed.signature)) {
    throw invalid('signature does not verify')
  }
  return {
    origin: parsed.origin,
    size: parsed.size,
    headHash: parsed.headHash,
    time: parsed.time,
    previousNoteHash: parsed.previousNoteHash,
  }
}
