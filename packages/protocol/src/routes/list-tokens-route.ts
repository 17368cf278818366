import { type Static, Type } from 'typebox'
import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { EmailSchema } from '../schemas/email-schema.js'
import { TokenListSchema } from '../views/token-list.js'

/** `GET /v1/tokens`: the caller's API tokens, or `email`'s (admins). */
export const listTokensRoute = {
  method: 'GET',
  url: '/v1/tokens',
  schema: {
    summary: 'List your tokens, or a user’s (admin)',
    querystring: Type.Object({ email: Type.Optional(EmailSchema) }),
    response: { 200: TokenListSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The query of {@link listTokensRoute}. */
export type ListTokensQuery = Static<typeof listTokensRoute.schema.querystring>
