import { type Static, Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { PolicyIdSchema } from '../schemas/policy-id-schema.js'
import { TimeSchema } from '../schemas/time-schema.js'

/** The media type of an audit export. */
const NDJSON = 'application/x-ndjson'

/**
 * `GET /v1/audit/export?policy=&since=&until=` (admins): the audit export file, in the format
 * `latch audit export` writes (`latch-audit-export/1`, JSON Lines), streamed as an attachment.
 * Without a window, the whole log up to its head; with `since` or `until`, the stretch `GET
 * /v1/policies/:id/report` verifies: from the last checkpoint signed before `since` to the first
 * signed at least 5 s after `until`, or to the head while there is none yet. `policy` names the
 * file the export is for (its file name; 404 for no such policy) and filters nothing: a chain
 * verifies only whole, so the stretch holds every record in it, whichever file it is about. That
 * is why only admins may download it; anyone else gets 403, whatever the policy.
 */
export const auditExportRoute = {
  method: 'GET',
  url: '/v1/audit/export',
  schema: {
    summary: 'Download the audit export file, whole or around a window (admin)',
    querystring: Type.Object({
      policy: Type.Optional(PolicyIdSchema),
      since: Type.Optional(TimeSchema),
      until: Type.Optional(TimeSchema),
    }),
    response: {
      200: Type.Unsafe<AsyncIterable<Uint8Array>>({
        description: 'the export file (latch-audit-export/1), as an attachment',
        content: { [NDJSON]: { schema: { type: 'string' } } },
      }),
      404: errorResponse,
      ...errorResponses,
    },
  },
} as const satisfies RouteDefinition

/** The query of {@link auditExportRoute}: times RFC 3339. */
export type AuditExportQuery = Static<typeof auditExportRoute.schema.querystring>
