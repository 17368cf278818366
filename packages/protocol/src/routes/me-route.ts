import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { MeViewSchema } from '../views/me-view.js'

/** `GET /v1/me`: who the caller's token belongs to. */
export const meRoute = {
  method: 'GET',
  url: '/v1/me',
  schema: {
    summary: 'Who am I',
    response: { 200: MeViewSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition
