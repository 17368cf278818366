import { type Static, Type } from 'typebox'

/** The schema of {@link RotatedKey}. */
export const RotatedKeySchema = Type.Object({ kid: Type.String() })

/** The id of the wrap key a rotation added; new files use it, old keys keep working. */
export type RotatedKey = Static<typeof RotatedKeySchema>
