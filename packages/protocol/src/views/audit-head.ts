import { type Static, Type } from 'typebox'

/** The schema of {@link AuditHead}. */
export const AuditHeadSchema = Type.Object({
  origin: Type.String(),
  size: Type.Integer(),
  headHash: Type.String(),
  signedSize: Type.Integer(),
  signedAt: Type.Union([Type.String(), Type.Null()]),
})

/**
 * The audit chain's head: its origin, size and hash (base64), and how much of it the latest
 * checkpoint signed, when.
 */
export type AuditHead = Static<typeof AuditHeadSchema>
