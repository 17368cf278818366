import { type Static, Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { EmailSchema } from '../schemas/email-schema.js'
import { OidcSubjectSchema } from '../schemas/oidc-subject-schema.js'
import { MintedTokenSchema } from '../views/minted-token.js'

/**
 * `POST /v1/users` (admins): a user and its first API token, whose only copy is in the answer;
 * `oidcSubject` links it to its account at the server's OIDC issuer. 409 when the user exists.
 */
export const createUserRoute = {
  method: 'POST',
  url: '/v1/users',
  schema: {
    summary: 'Create a user and its first API token (admin)',
    body: Type.Object({
      email: EmailSchema,
      admin: Type.Optional(Type.Boolean()),
      mayAssignOwner: Type.Optional(Type.Boolean()),
      oidcSubject: Type.Optional(OidcSubjectSchema),
    }),
    response: { 201: MintedTokenSchema, 409: errorResponse, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The body of {@link createUserRoute}. */
export type CreateUserBody = Static<typeof createUserRoute.schema.body>
