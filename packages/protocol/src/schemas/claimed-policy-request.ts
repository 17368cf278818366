import { type Static, Type } from 'typebox'
import { createPolicyRoute } from '../routes/create-policy-route.js'
import { PolicyClaimSchema } from './policy-claim-schema.js'
import { PolicyObjectInputSchema } from './policy-object-input-schema.js'

const { owner, readers, expiresAt, labels, split } = createPolicyRoute.schema.body.properties

/**
 * One item of `POST /v1/policies/batch`: the body of `POST /v1/policies` in its claimed form, a
 * `claim` on the id and the stored `object` registered under it, both required.
 */
export const ClaimedPolicyRequestSchema = Type.Object({
  owner,
  readers,
  expiresAt,
  labels,
  claim: PolicyClaimSchema,
  split,
  object: PolicyObjectInputSchema,
})

/** One creation of a policy with a claim and its object, as a batch item. */
export type ClaimedPolicyRequest = Static<typeof ClaimedPolicyRequestSchema>
