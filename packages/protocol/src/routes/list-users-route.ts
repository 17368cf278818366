import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { UserListSchema } from '../views/user-list.js'

/** `GET /v1/users` (admins): every user. */
export const listUsersRoute = {
  method: 'GET',
  url: '/v1/users',
  schema: {
    summary: 'List users (admin)',
    response: { 200: UserListSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition
