import { type Static, Type } from 'typebox'
import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { ClientPublicJwkSchema } from '../schemas/client-public-jwk.js'
import { RewrapRequestSchema } from '../schemas/rewrap-request.js'
import { RewrapBatchResultSchema } from '../views/rewrap-batch-result.js'

/**
 * The body of `POST /v1/rewrap/batch`: one client key and 1 to `maxItems` key requests.
 *
 * @param maxItems - The server's `batchMax` (100 by default).
 * @returns The object schema.
 */
export function rewrapBatchBodySchema(maxItems: number) {
  return Type.Object({
    clientKey: ClientPublicJwkSchema,
    requests: Type.Array(RewrapRequestSchema, { minItems: 1, maxItems }),
  })
}

/**
 * `POST /v1/rewrap/batch`: many key requests (one decision and one audit record each) with one
 * client key, for bulk downloads. Each result is a share, the uniform denial, the item's 400, or,
 * when the audit or the database failed after other items were decided, the failure's 503. A
 * server takes at most its `batchMax` requests (100 by default): it registers the route with
 * `rewrapBatchBodySchema(batchMax)`.
 */
export const rewrapBatchRoute = {
  method: 'POST',
  url: '/v1/rewrap/batch',
  schema: {
    summary: 'Release many shares (one decision each), re-wrapped to one throw-away key',
    body: rewrapBatchBodySchema(100),
    response: { 200: RewrapBatchResultSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The body of {@link rewrapBatchRoute}. */
export type RewrapBatchBody = Static<typeof rewrapBatchRoute.schema.body>
