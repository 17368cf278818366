import { errorResponse } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { HealthSchema } from '../views/health.js'

/** `GET /healthz` (public): 200 when the database answers, 503 otherwise (for load balancers). */
export const healthRoute = {
  method: 'GET',
  url: '/healthz',
  schema: {
    summary: 'Liveness and database reachability',
    response: { 200: HealthSchema, 503: errorResponse },
  },
} as const satisfies RouteDefinition
