import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { AuditCheckpointListSchema } from '../views/audit-checkpoint-list.js'

/** `GET /v1/audit/checkpoints` (admins): every signed checkpoint, oldest first. */
export const listCheckpointsRoute = {
  method: 'GET',
  url: '/v1/audit/checkpoints',
  schema: {
    summary: 'Every signed checkpoint, oldest first (admin)',
    response: { 200: AuditCheckpointListSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition
