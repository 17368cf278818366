import { type Static, Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import { refTo } from '../internal/ref-to.js'
import type { RouteDefinition } from '../route-definition.js'
import { LockdownRuleIdSchema } from '../schemas/lockdown-rule-id-schema.js'
import { PrintableTextSchema } from '../schemas/printable-text-schema.js'
import { LockdownRuleViewSchema } from '../views/lockdown-rule-view.js'

/**
 * `POST /v1/lockdowns/:id/lift` (admins): lifts one rule. Policies are untouched, so a policy
 * revoked on its own stays revoked; 409 when the rule is lifted already.
 */
export const liftLockdownRoute = {
  method: 'POST',
  url: '/v1/lockdowns/:id/lift',
  schema: {
    summary: 'Lift a lockdown rule; individually revoked policies stay revoked (admin)',
    params: Type.Object({ id: LockdownRuleIdSchema }),
    body: Type.Optional(
      Type.Object({ reason: Type.Optional(PrintableTextSchema(500, { minLength: 1 })) }),
    ),
    response: {
      200: refTo(LockdownRuleViewSchema),
      404: errorResponse,
      409: errorResponse,
      ...errorResponses,
    },
  },
} as const satisfies RouteDefinition

/** The body of {@link liftLockdownRoute} (optional as a whole). */
export type LiftLockdownBody = Static<typeof liftLockdownRoute.schema.body>
