import type { RouteDefinition } from '../route-definition.js'
import { KeySetSchema } from '../views/key-set.js'

/** `GET /v1/keys` (public): the server's public wrap keys as a JWKS, current first. */
export const listKeysRoute = {
  method: 'GET',
  url: '/v1/keys',
  schema: {
    summary: 'Public wrap keys (JWKS), current first',
    response: { 200: KeySetSchema },
  },
} as const satisfies RouteDefinition
