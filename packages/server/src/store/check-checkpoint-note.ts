import { noteHash, parseCheckpointNote } from '@latch/audit'
import { ServerError } from '../errors.js'

/**
 * The checks a store makes, under the chain-head lock, on the note a checkpoint signer returned
 * before storing it: it must sign exactly the size, head and time the store gave, and chain to
 * the note stored last (`prev`), so that two instances that both believed they were the signer
 * cannot fork the notes.
 *
 * @param note the signed note.
 * @param expected the size, head hash and time the store gave the signer.
 * @param latest the note stored last, if any.
 * @throws ServerError `ERR_CONFLICT` when `prev` is not the hash of `latest` (or is not `none`
 *   for the first note); `ERR_INTERNAL` when the note does not parse or signs other values.
 */
export function checkCheckpointNote(
  note: string,
  expected: { readonly size: number; readonly headHash: Uint8Array; readonly time: Date },
  latest: string | undefined,
): void {
  let parsed: ReturnType<typeof parseCheckpointNote>
  try {
    parsed = parseCheckpointNote(note)
  } catch (cause) {
    throw new ServerError('ERR_INTERNAL', 'the checkpoint signer returned no valid note', {
      cause,
    })
  }
  if (
    parsed.size !== expected.size ||
    !Buffer.from(parsed.headHash).equals(expected.headHash) ||
    parsed.time.getTime() !== expected.time.getTime()
  ) {
    throw new ServerError('ERR_INTERNAL', 'the checkpoint note signs another head or time')
  }
  const prev = parsed.previousNoteHash
  const chained =
    latest === undefined ? prev === undefined : prev !== undefined && noteHash(latest).equals(prev)
  if (!chained)
    throw new ServerError('ERR_CONFLICT', 'another checkpoint was signed since this one')
}
