import { type Static, Type } from 'typebox'

/** The schema of {@link RewrapResult}. */
export const RewrapResultSchema = Type.Object({ jwe: Type.String() })

/** A released share, re-wrapped to the client's throw-away key (a compact JWE). */
export type RewrapResult = Static<typeof RewrapResultSchema>
