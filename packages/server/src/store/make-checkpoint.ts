import { genesisHash } from '@latch/audit'
import { ServerError } from '../errors.js'
import { checkCheckpointNote } from './check-checkpoint-note.js'
import type { CheckpointRecord } from './records.js'
import type { CheckpointSign, Store } from './store.js'

/** What a store has read, under its chain-head lock, to sign a checkpoint of the head. */
export interface CheckpointBasis {
  /** The chain's origin, whose genesis hash is the head of an empty chain. */
  readonly origin: string
  /** The head row's size. */
  readonly size: number
  /** The head row's hash, `h_size`. */
  readonly headHash: Uint8Array
  /** The stored chain hash of the record at `size`, if there is one. */
  readonly storedHash: Uint8Array | undefined
  /** The note stored last, if any. */
  readonly latestNote: string | undefined
  /** The checkpoint's time, which the store chose (see {@link Store.addCheckpoint}). */
  readonly time: Date
}

/**
 * The part of {@link Store.addCheckpoint} both stores share, run under the chain-head lock: checks
 * that the head row agrees with the stored chain, has `sign` sign the head, and checks the note
 * (`checkCheckpointNote`). The store then stores the checkpoint returned, in the same transaction.
 *
 * @throws ServerError `ERR_CONFLICT` when the head row disagrees with the stored chain (before
 *   anything is signed) or the note does not chain to `latestNote`; `ERR_INTERNAL` when the note
 *   does not sign the size, head and time given.
 */
export function makeCheckpoint(basis: CheckpointBasis, sign: CheckpointSign): CheckpointRecord {
  const { size, headHash, time } = basis
  const stored = size === 0 ? genesisHash(basis.origin) : basis.storedHash
  if (stored === undefined || !Buffer.from(headHash).equals(stored)) {
    throw new ServerError('ERR_CONFLICT', 'the chain head does not match the stored chain')
  }
  const note = sign(size, headHash, time)
  checkCheckpointNote(note, { size, headHash, time }, basis.latestNote)
  return { size, note, signedAt: time }
}
