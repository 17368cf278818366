import { hash } from 'node:crypto'

/**
 * The hash that chains checkpoints: SHA-256 of the note's full text in UTF-8, carried on the
 * `prev` line of the next note.
 *
 * @param note the note's full text, exactly as stored.
 * @returns 32 bytes.
 * @example
 * const next = signCheckpoint({ ...checkpoint, previousNoteHash: noteHash(lastNote) }, signer)
 */
export function noteHash(note: string): Buffer {
  return hash('sha256', note, 'buffer')
}
