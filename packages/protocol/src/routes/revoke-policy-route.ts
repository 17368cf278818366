import { type Static, Type } from 'typebox'
import { policyChangeResponses } from '../internal/policy-change-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { PolicyIdSchema } from '../schemas/policy-id-schema.js'
import { PrintableTextSchema } from '../schemas/printable-text-schema.js'

/**
 * `POST /v1/policies/:id/revoke` (owner, admins): no key for anyone, the owner included; 409 when
 * the policy is revoked already.
 */
export const revokePolicyRoute = {
  method: 'POST',
  url: '/v1/policies/:id/revoke',
  schema: {
    summary: 'Revoke: no key for anyone, the owner included (owner, admins)',
    params: Type.Object({ id: PolicyIdSchema }),
    body: Type.Object({ reason: Type.Optional(PrintableTextSchema(500)) }),
    response: policyChangeResponses,
  },
} as const satisfies RouteDefinition

/** The body of {@link revokePolicyRoute} and `unrevokePolicyRoute`: an optional reason. */
export type PolicyChangeReasonBody = Static<typeof revokePolicyRoute.schema.body>
