import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { SignedCheckpointSchema } from '../views/signed-checkpoint.js'

/** `POST /v1/audit/checkpoints` (admins): signs a checkpoint of the current head now. */
export const signCheckpointRoute = {
  method: 'POST',
  url: '/v1/audit/checkpoints',
  schema: {
    summary: 'Sign a checkpoint of the current head now (admin)',
    response: { 201: SignedCheckpointSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition
