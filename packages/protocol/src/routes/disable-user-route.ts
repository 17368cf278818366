import { Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import { refTo } from '../internal/ref-to.js'
import type { RouteDefinition } from '../route-definition.js'
import { EmailSchema } from '../schemas/email-schema.js'
import { UserViewSchema } from '../views/user-view.js'

/** `POST /v1/users/:email/disable` (admins): every token of the user stops working at once. */
export const disableUserRoute = {
  method: 'POST',
  url: '/v1/users/:email/disable',
  schema: {
    summary: 'Disable a user: their tokens stop working at once (admin)',
    params: Type.Object({ email: EmailSchema }),
    response: { 200: refTo(UserViewSchema), 404: errorResponse, ...errorResponses },
  },
} as const satisfies RouteDefinition
