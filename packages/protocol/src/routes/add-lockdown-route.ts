import { type Static, Type } from 'typebox'
import { errorResponse, errorResponses } from '../internal/error-responses.js'
import { refTo } from '../internal/ref-to.js'
import type { RouteDefinition } from '../route-definition.js'
import { EmailSchema } from '../schemas/email-schema.js'
import { PrintableTextSchema } from '../schemas/printable-text-schema.js'
import { LockdownReachSchema } from '../views/lockdown-reach.js'
import { LockdownRuleViewSchema } from '../views/lockdown-rule-view.js'

/**
 * `POST /v1/lockdowns` (admins): one rule row that denies every key of the policies it covers —
 * all of them (`all`), those with an object registered in a bucket under a key prefix (`bucket`,
 * `prefix`), or one owner's (`owner`): exactly one of the three — from its commit on. With
 * `dryRun`, counts what it would cover instead (200) and changes nothing.
 */
export const addLockdownRoute = {
  method: 'POST',
  url: '/v1/lockdowns',
  schema: {
    summary: 'Lock down all policies, a bucket (prefix) or an owner (admin)',
    description:
      'A bucket rule covers every policy with an object registered in the bucket under the prefix, at any location the object was ever registered at. A dry run counts the policies covered and the registered locations in scope.',
    body: Type.Object({
      all: Type.Optional(Type.Boolean({ description: 'every policy' })),
      bucket: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
      prefix: Type.Optional(
        Type.String({ maxLength: 1024, description: 'with bucket: only keys that start with it' }),
      ),
      owner: Type.Optional(EmailSchema),
      reason: PrintableTextSchema(500, { minLength: 1 }),
      dryRun: Type.Optional(Type.Boolean()),
    }),
    response: {
      200: LockdownReachSchema,
      201: refTo(LockdownRuleViewSchema),
      409: errorResponse,
      ...errorResponses,
    },
  },
} as const satisfies RouteDefinition

/** The body of {@link addLockdownRoute}. */
export type AddLockdownBody = Static<typeof addLockdownRoute.schema.body>
