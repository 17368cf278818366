import { type Static, Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { PolicyIdSchema } from '../schemas/policy-id-schema.js'
import { TimeSchema } from '../schemas/time-schema.js'
import { FileReportViewSchema } from '../views/file-report-view.js'

/**
 * `GET /v1/policies/:id/report?since=&until=` (admins, the policy's owner): the file's audit
 * report over the window (`since` inclusive, default the start of the log; `until` exclusive,
 * default now), from records the server verifies between the checkpoints around the window, as
 * `latch audit report` does. While no checkpoint is signed late enough after `until`, the report
 * runs to the chain head and says so (`chain.unsignedTail`) rather than wait. Readers get 403,
 * everyone else 404.
 */
export const fileReportRoute = {
  method: 'GET',
  url: '/v1/policies/:id/report',
  schema: {
    summary: "A file's verified audit report over a window (admins, the policy's owner)",
    params: Type.Object({ id: PolicyIdSchema }),
    querystring: Type.Object({
      since: Type.Optional(TimeSchema),
      until: Type.Optional(TimeSchema),
    }),
    response: { 200: FileReportViewSchema, 404: errorResponse, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The query of {@link fileReportRoute}: times RFC 3339. */
export type FileReportQuery = Static<typeof fileReportRoute.schema.querystring>
