import { type Static, Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import { refTo } from '../internal/ref-to.js'
import type { RouteDefinition } from '../route-definition.js'
import { EmailSchema } from '../schemas/email-schema.js'
import { OidcSubjectSchema } from '../schemas/oidc-subject-schema.js'
import { UserViewSchema } from '../views/user-view.js'

/**
 * `POST /v1/users/:email/oidc` (admins): links a user to its account (`sub`) at the server's OIDC
 * issuer. OIDC tokens of that account get the user's role; tokens of another account with the
 * user's email are refused. 409 when the account is linked to another user.
 */
export const linkUserOidcRoute = {
  method: 'POST',
  url: '/v1/users/:email/oidc',
  schema: {
    summary:
      'Link a user to its account at the OIDC issuer: an OIDC token of that subject gets the user’s role (admin)',
    params: Type.Object({ email: EmailSchema }),
    body: Type.Object({ subject: OidcSubjectSchema }),
    response: {
      200: refTo(UserViewSchema),
      404: errorResponse,
      409: errorResponse,
      ...errorResponses,
    },
  },
} as const satisfies RouteDefinition

/** The body of {@link linkUserOidcRoute}. */
export type LinkUserOidcBody = Static<typeof linkUserOidcRoute.schema.body>
