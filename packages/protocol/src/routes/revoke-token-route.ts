import { Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'

/** `DELETE /v1/tokens/:id`: revokes one of the caller's tokens (admins: anyone's). */
export const revokeTokenRoute = {
  method: 'DELETE',
  url: '/v1/tokens/:id',
  schema: {
    summary: 'Revoke a token (yours, or anyone’s as an admin)',
    params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9]{12}$' }) }),
    response: { 204: Type.Null(), 404: errorResponse, ...errorResponses },
  },
} as const satisfies RouteDefinition
