import { type Static, Type } from 'typebox'
import { errorResponses } from '../internal/error-responses.js'
import { refTo } from '../internal/ref-to.js'
import type { RouteDefinition } from '../route-definition.js'
import { EmailSchema } from '../schemas/email-schema.js'
import { PrintableTextSchema } from '../schemas/printable-text-schema.js'
import { ReaderSchema } from '../schemas/reader-schema.js'
import { TimeSchema } from '../schemas/time-schema.js'
import { PolicyViewSchema } from '../views/policy-view.js'

const Labels = Type.Record(
  Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:/-]+$' }),
  PrintableTextSchema(256),
  { maxProperties: 32 },
)

/**
 * `POST /v1/policies`: the policy of a file about to be encrypted. The caller is its owner unless
 * an admin or an allowed service account names another (`owner`); `expiresAt` must be in the
 * future.
 */
export const createPolicyRoute = {
  method: 'POST',
  url: '/v1/policies',
  schema: {
    summary: 'Create the policy of a file',
    body: Type.Object({
      owner: Type.Optional(EmailSchema),
      readers: Type.Optional(Type.Array(ReaderSchema, { maxItems: 1000 })),
      expiresAt: Type.Optional(TimeSchema),
      labels: Type.Optional(Labels),
    }),
    response: { 201: refTo(PolicyViewSchema), ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The body of {@link createPolicyRoute}: owner, readers, expiry (RFC 3339) and labels. */
export type CreatePolicyBody = Static<typeof createPolicyRoute.schema.body>
