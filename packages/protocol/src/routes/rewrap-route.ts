import { type Static, Type } from 'typebox'
import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { ClientPublicJwkSchema } from '../schemas/client-public-jwk.js'
import { RewrapRequestSchema } from '../schemas/rewrap-request.js'
import { RewrapResultSchema } from '../views/rewrap-result.js'

/**
 * `POST /v1/rewrap`: one key request. The share comes back re-wrapped to the client's throw-away
 * key only after the audit record of the decision committed; every denial is the same 403
 * (`ERR_ACCESS_DENIED`, `access denied`).
 */
export const rewrapRoute = {
  method: 'POST',
  url: '/v1/rewrap',
  schema: {
    summary: 'Release one share, re-wrapped to a throw-away key',
    body: Type.Object({ ...RewrapRequestSchema.properties, clientKey: ClientPublicJwkSchema }),
    response: { 200: RewrapResultSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The body of {@link rewrapRoute}: a key request and the client's throw-away key. */
export type RewrapBody = Static<typeof rewrapRoute.schema.body>
