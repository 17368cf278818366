import { type Static, Type } from 'typebox'
import { PolicyObjectViewSchema } from './policy-object-view.js'

/** The schema of {@link PolicyView}; a component of the OpenAPI document (`$id: "Policy"`). */
export const PolicyViewSchema = Type.Object(
  {
    id: Type.String(),
    owner: Type.String(),
    readers: Type.Array(Type.String()),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    labels: Type.Record(Type.String(), Type.String()),
    state: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
    revoked: Type.Union([
      Type.Object({
        by: Type.String(),
        at: Type.String({ format: 'date-time' }),
        reason: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ]),
    version: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    createdBy: Type.String(),
    objects: Type.Array(PolicyObjectViewSchema),
  },
  { $id: 'Policy' },
)

/**
 * A file's policy as the key server shows it: its owner, readers (emails or `*@domain`), expiry,
 * labels, state (and who revoked it, when and why), a version that increases with every change,
 * and the objects it covers (left out when asked with `objects=false`). Times are ISO 8601 UTC.
 */
export type PolicyView = Static<typeof PolicyViewSchema>
