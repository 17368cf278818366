import type { RouteDefinition } from '../route-definition.js'
import { AuditKeySchema } from '../views/audit-key.js'

/** `GET /v1/audit/key` (public): the Ed25519 key that signs audit checkpoints. */
export const auditKeyRoute = {
  method: 'GET',
  url: '/v1/audit/key',
  schema: {
    summary: 'The Ed25519 key that signs audit checkpoints',
    response: { 200: AuditKeySchema },
  },
} as const satisfies RouteDefinition
