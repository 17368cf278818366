import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { RotatedKeySchema } from '../views/rotated-key.js'

/** `POST /v1/keys/rotate` (admins): a new current wrap key; old ones keep working. */
export const rotateKeyRoute = {
  method: 'POST',
  url: '/v1/keys/rotate',
  schema: {
    summary: 'Add a wrap key for new files (admin)',
    response: { 201: RotatedKeySchema, ...errorResponses },
  },
} as const satisfies RouteDefinition
