import { Type } from 'typebox'
import { policyChangeResponses } from '../internal/policy-change-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { PolicyIdSchema } from '../schemas/policy-id-schema.js'
import { PrintableTextSchema } from '../schemas/printable-text-schema.js'

/**
 * `POST /v1/policies/:id/unrevoke` (owner, admins): lifts a revocation only, so readers and expiry
 * are exactly what they were; 409 when the policy is not revoked.
 */
export const unrevokePolicyRoute = {
  method: 'POST',
  url: '/v1/policies/:id/unrevoke',
  schema: {
    summary: 'Lift a revocation; readers and expiry are as they were (owner, admins)',
    params: Type.Object({ id: PolicyIdSchema }),
    body: Type.Object({ reason: Type.Optional(PrintableTextSchema(500)) }),
    response: policyChangeResponses,
  },
} as const satisfies RouteDefinition
