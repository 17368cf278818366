import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { OverviewViewSchema } from '../views/overview-view.js'

/**
 * `GET /v1/overview`: the server, the audit chain, the policies by state and the latest changes,
 * scoped to the caller (admins: everything, with the lockdowns and the latest key denials; anyone
 * else: the policies they own or read, and the changes of those they own).
 */
export const overviewRoute = {
  method: 'GET',
  url: '/v1/overview',
  schema: {
    summary: 'What a console shows first, scoped to the caller (admins: everything)',
    response: { 200: OverviewViewSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition
