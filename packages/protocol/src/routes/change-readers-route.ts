import { type Static, Type } from 'typebox'
import { policyChangeResponses } from '../internal/policy-change-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { PolicyIdSchema } from '../schemas/policy-id-schema.js'
import { ReaderSchema } from '../schemas/reader-schema.js'

/** `POST /v1/policies/:id/readers` (owner, admins): adds and removes readers. */
export const changeReadersRoute = {
  method: 'POST',
  url: '/v1/policies/:id/readers',
  schema: {
    summary: 'Add or remove readers (owner, admins)',
    params: Type.Object({ id: PolicyIdSchema }),
    body: Type.Object({
      add: Type.Optional(Type.Array(ReaderSchema, { maxItems: 1000 })),
      remove: Type.Optional(Type.Array(ReaderSchema, { maxItems: 1000 })),
    }),
    response: policyChangeResponses,
  },
} as const satisfies RouteDefinition

/** The body of {@link changeReadersRoute}: readers to add and to remove. */
export type ChangeReadersBody = Static<typeof changeReadersRoute.schema.body>
