import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { AuditHeadSchema } from '../views/audit-head.js'

/** `GET /v1/audit/head` (admins): the chain head and how much of it is signed. */
export const auditHeadRoute = {
  method: 'GET',
  url: '/v1/audit/head',
  schema: {
    summary: 'The chain head and how much of it is signed (admin)',
    response: { 200: AuditHeadSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition
