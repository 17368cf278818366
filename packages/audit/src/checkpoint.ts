import type { KeyObject } from 'node:crypto'

/**
 * What a checkpoint commits to: the chain of `origin` had `size` records and head `h_size` at
 * `time`, and the checkpoint before it is the note whose SHA-256 is `previousNoteHash`.
 */
export interface Checkpoint {
  /** The log's origin: printable ASCII without spaces or `+`, 1–255 characters. */
  origin: string
  /** The number of records covered (seq 1 to `size`); 0 for an empty log. */
  size: number
  /** `h_size`, 32 bytes (the genesis hash when `size` is 0). */
  headHash: Uint8Array
  /** When the checkpoint was signed (written with millisecond precision, UTC). */
  time: Date
  /** `noteHash` of the previous checkpoint's note, `undefined` for the first checkpoint. */
  previousNoteHash: Uint8Array | undefined
}

/** The Ed25519 key that signs checkpoints, and the name the notes give it. */
export interface CheckpointSigner {
  /** 1–64 characters of `A–Z a–z 0–9 . _ : -`. */
  name: string
  privateKey: KeyObject
}

/** The Ed25519 public key a verifier trusts for checkpoints, and its name. */
export interface CheckpointVerifierKey {
  name: string
  publicKey: KeyObject
}
