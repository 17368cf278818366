import { type Static, Type } from 'typebox'

/** The schema of {@link SignedCheckpoint}. */
export const SignedCheckpointSchema = Type.Object({ size: Type.Integer() })

/** The size of the chain a checkpoint signed just now covers. */
export type SignedCheckpoint = Static<typeof SignedCheckpointSchema>
