import { type Static, Type } from 'typebox'

/** The schema of {@link PolicyObjectAdded}. */
export const PolicyObjectAddedSchema = Type.Object({
  policyId: Type.String(),
  version: Type.Integer(),
  objectId: Type.String(),
  coreHash: Type.String(),
})

/** The answer to registering an object: the policy's version after it, and the object. */
export type PolicyObjectAdded = Static<typeof PolicyObjectAddedSchema>
