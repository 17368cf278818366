import { type Static, Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { EmailSchema } from '../schemas/email-schema.js'
import { PolicyIdSchema } from '../schemas/policy-id-schema.js'
import { TimeSchema } from '../schemas/time-schema.js'
import { AuditEventPageSchema } from '../views/audit-event-page.js'

/**
 * `GET /v1/audit/events`: the records as JSON, oldest first (`order=desc`: newest first), up to
 * 1,000 a page (100 by default), filtered by policy, actor, type (an event type or a family,
 * `policy.*`), time (`since` inclusive, `until` exclusive) and position (`after` and `before`,
 * both exclusive). `next` is the `after` of the next page, or with `order=desc` its `before`.
 * Admins read everything; a policy's owner may read its records (`policy` required); readers get
 * 403, others 404.
 */
export const auditEventsRoute = {
  method: 'GET',
  url: '/v1/audit/events',
  schema: {
    summary: "Audit records as JSON, filtered (admins; a policy's owner: that policy's)",
    querystring: Type.Object({
      policy: Type.Optional(PolicyIdSchema),
      actor: Type.Optional(EmailSchema),
      type: Type.Optional(
        Type.String({
          pattern: '^[a-z]+(\\.[a-z]+)*(\\.\\*)?$',
          maxLength: 64,
          description: 'an event type, or a family: policy.*',
        }),
      ),
      since: Type.Optional(TimeSchema),
      until: Type.Optional(TimeSchema),
      after: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,14})$' })),
      before: Type.Optional(
        Type.String({
          pattern: '^[1-9][0-9]{0,14}$',
          description: 'only records before this seq (with order=desc: the next page)',
        }),
      ),
      order: Type.Optional(
        Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
          description: 'asc (default): oldest first; desc: newest first',
        }),
      ),
      limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$|^1000$' })),
    }),
    response: { 200: AuditEventPageSchema, 404: errorResponse, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The query of {@link auditEventsRoute}: numbers as decimal strings, times RFC 3339. */
export type AuditEventsQuery = Static<typeof auditEventsRoute.schema.querystring>
