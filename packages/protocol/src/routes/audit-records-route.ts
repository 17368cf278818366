import { type Static, Type } from 'typebox'
import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { AuditRecordPageSchema } from '../views/audit-record-page.js'

/**
 * `GET /v1/audit/records?after=&limit=` (admins): the records after a sequence number, ascending,
 * their exact bytes in base64, up to 10,000 a page (1,000 by default).
 */
export const auditRecordsRoute = {
  method: 'GET',
  url: '/v1/audit/records',
  schema: {
    summary: 'Audit records after a sequence number, ascending (admin)',
    querystring: Type.Object({
      after: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,14})$' })),
      limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$|^10000$' })),
    }),
    response: { 200: AuditRecordPageSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The query of {@link auditRecordsRoute}: numbers as decimal strings. */
export type AuditRecordsQuery = Static<typeof auditRecordsRoute.schema.querystring>
