import { type Static, Type } from 'typebox'
import { policyChangeResponses } from '../internal/policy-change-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { PolicyIdSchema } from '../schemas/policy-id-schema.js'
import { TimeSchema } from '../schemas/time-schema.js'

/** `POST /v1/policies/:id/expiry` (owner, admins): sets the expiry, or clears it with `null`. */
export const setExpiryRoute = {
  method: 'POST',
  url: '/v1/policies/:id/expiry',
  schema: {
    summary: 'Set or clear the expiry (owner, admins)',
    params: Type.Object({ id: PolicyIdSchema }),
    body: Type.Object({
      expiresAt: Type.Union([TimeSchema, Type.Null()]),
    }),
    response: policyChangeResponses,
  },
} as const satisfies RouteDefinition

/** The body of {@link setExpiryRoute}. */
export type SetExpiryBody = Static<typeof setExpiryRoute.schema.body>
