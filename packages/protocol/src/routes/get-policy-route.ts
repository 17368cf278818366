import { type Static, Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import { refTo } from '../internal/ref-to.js'
import type { RouteDefinition } from '../route-definition.js'
import { PolicyIdSchema } from '../schemas/policy-id-schema.js'
import { PolicyViewSchema } from '../views/policy-view.js'

/**
 * `GET /v1/policies/:id`: the owner, readers and admins see the policy; to anyone else it does not
 * exist (404). `objects=false` leaves its list of objects out.
 */
export const getPolicyRoute = {
  method: 'GET',
  url: '/v1/policies/:id',
  schema: {
    summary: 'Read a policy (owner, readers, admins); objects=false leaves its object list out',
    params: Type.Object({ id: PolicyIdSchema }),
    querystring: Type.Object({
      objects: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    }),
    response: { 200: refTo(PolicyViewSchema), 404: errorResponse, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The query of {@link getPolicyRoute}. */
export type GetPolicyQuery = Static<typeof getPolicyRoute.schema.querystring>
