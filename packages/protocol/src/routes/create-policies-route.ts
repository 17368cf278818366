import { type Static, Type } from 'typebox'
import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { ClaimedPolicyRequestSchema } from '../schemas/claimed-policy-request.js'
import { CreatePoliciesResultSchema } from '../views/create-policies-result.js'

/**
 * The body of `POST /v1/policies/batch`: 1 to `maxItems` creations in the claimed form of
 * `POST /v1/policies` (a claim and the object stored under its id).
 *
 * @param maxItems - The server's `batchMax` (100 by default).
 * @returns The object schema.
 */
export function createPoliciesBodySchema(maxItems: number) {
  return Type.Object({
    requests: Type.Array(ClaimedPolicyRequestSchema, { minItems: 1, maxItems }),
  })
}

/**
 * `POST /v1/policies/batch`: many policies created with a claim, each with its object registered
 * (many small files written at once), in one request. Each item is what `POST /v1/policies`
 * would do with it alone: its own checks, its own policy and its own two audit records, committed
 * or not on its own; one item refused leaves the others created. Each result is the created
 * policy or that item's error. A malformed batch (or an item that breaks the schema) is 400 as a
 * whole, and so is one of more than the server's `batchMax` items (100 by default): it registers
 * the route with `createPoliciesBodySchema(batchMax)`.
 */
export const createPoliciesRoute = {
  method: 'POST',
  url: '/v1/policies/batch',
  schema: {
    summary: 'Create many policies with claims, each with its stored object registered',
    body: createPoliciesBodySchema(100),
    response: { 200: CreatePoliciesResultSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The body of {@link createPoliciesRoute}. */
export type CreatePoliciesBody = Static<typeof createPoliciesRoute.schema.body>
