import { type Static, Type } from 'typebox'

/** The schema of {@link PolicyObjectView}. */
export const PolicyObjectViewSchema = Type.Object(
  {
    objectId: Type.String(),
    coreHash: Type.String(),
    bucket: Type.Union([Type.String(), Type.Null()]),
    key: Type.Union([Type.String(), Type.Null()]),
    registeredAt: Type.String({ format: 'date-time' }),
  },
  {
    description:
      'an object at one location it was registered at: an object registered at several locations is listed once per location',
  },
)

/**
 * An object a policy covers, at one location it was registered at (bucket and key, or neither);
 * an object registered at several locations is listed once per location.
 */
export type PolicyObjectView = Static<typeof PolicyObjectViewSchema>
