import { type Static, Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { PolicyIdSchema } from '../schemas/policy-id-schema.js'
import { PolicyObjectInputSchema } from '../schemas/policy-object-input-schema.js'
import { PolicyObjectAddedSchema } from '../views/policy-object-added.js'

/**
 * `POST /v1/policies/:id/objects` (owner, admins): records an object the policy covers, once it is
 * written, at its location. Every location ever registered stays, so registering the object
 * elsewhere never moves it out of a bucket lockdown; `bucket` and `key` go together.
 */
export const addPolicyObjectRoute = {
  method: 'POST',
  url: '/v1/policies/:id/objects',
  schema: {
    summary: 'Record an object the policy covers, at a location (owner, admins)',
    description:
      'Adds the location (bucket, key) to the object; every location ever registered stays, and a bucket lockdown covers the policy while any of them is in its scope. Registering a location again changes nothing (the same answer, no new version). 409 when the object id is registered with another header hash.',
    params: Type.Object({ id: PolicyIdSchema }),
    body: PolicyObjectInputSchema,
    response: {
      200: PolicyObjectAddedSchema,
      404: errorResponse,
      409: errorResponse,
      ...errorResponses,
    },
  },
} as const satisfies RouteDefinition

/** The body of {@link addPolicyObjectRoute}: the object id, its header hash, and its location. */
export type AddPolicyObjectBody = Static<typeof addPolicyObjectRoute.schema.body>
