import { type Static, Type } from 'typebox'

/** The schema of {@link AuditCheckpointList}. */
export const AuditCheckpointListSchema = Type.Object({
  checkpoints: Type.Array(
    Type.Object({ size: Type.Integer(), note: Type.String(), signedAt: Type.String() }),
  ),
})

/** Every signed checkpoint of the audit chain, oldest first: its size and its signed note. */
export type AuditCheckpointList = Static<typeof AuditCheckpointListSchema>
