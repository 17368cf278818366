import { type Static, Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { EmailSchema } from '../schemas/email-schema.js'
import { MintedTokenSchema } from '../views/minted-token.js'

/**
 * `POST /v1/tokens`: an API token for the caller, or for `email` (admins); the answer holds its
 * only copy. OIDC callers may not mint one unless the server allows it (403).
 */
export const mintTokenRoute = {
  method: 'POST',
  url: '/v1/tokens',
  schema: {
    summary: 'Mint an API token for yourself, or for anyone (admin)',
    body: Type.Object({ email: Type.Optional(EmailSchema) }),
    response: { 201: MintedTokenSchema, 404: errorResponse, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The body of {@link mintTokenRoute}. */
export type MintTokenBody = Static<typeof mintTokenRoute.schema.body>
