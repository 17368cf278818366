import { type Static, Type } from 'typebox'
import { errorResponses } from '../internal/error-responses.js'
import type { RouteDefinition } from '../route-definition.js'
import { EmailSchema } from '../schemas/email-schema.js'
import { PrintableTextSchema, UNPRINTABLE_CLASS } from '../schemas/printable-text-schema.js'
import { ReaderSchema } from '../schemas/reader-schema.js'
import { PolicyListViewSchema } from '../views/policy-list-view.js'

/**
 * `GET /v1/policies`: the policies the caller may see, newest first, page by page. Admins see
 * every policy; anyone else the policies they own or read (their address, or their `*@domain`,
 * among the readers), and no filter widens that. Filters: `owner`; `reader` (an email matches the
 * entries that name it, its `*@domain` included; `*@domain` matches that entry); `bucket` and
 * `prefix` (an object registered in the bucket under the key prefix, at any location it was ever
 * registered at; `prefix` needs `bucket`); `label` (`key=value`); `state` (`expired`: not revoked,
 * expiry past; `active`: neither revoked nor expired); `q`, a substring (ASCII letters in any
 * case) of the owner, a reader, a bucket, a key or the policy id. `cursor` is the `nextCursor`
 * of the page before: 400 `ERR_CURSOR_INVALID` for any other value. `total=true` also counts
 * every policy that matches (`total`).
 */
export const listPoliciesRoute = {
  method: 'GET',
  url: '/v1/policies',
  schema: {
    summary: 'List the policies the caller may see, newest first (admins: all)',
    querystring: Type.Object({
      owner: Type.Optional(EmailSchema),
      reader: Type.Optional(ReaderSchema),
      bucket: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
      prefix: Type.Optional(
        Type.String({ maxLength: 1024, description: 'with bucket: keys that start with it' }),
      ),
      label: Type.Optional(
        Type.String({
          maxLength: 64 + 1 + 256,
          pattern: `^[A-Za-z0-9._:/-]{1,64}=[^${UNPRINTABLE_CLASS}]*$`,
          description: 'key=value: the label key has that value',
        }),
      ),
      state: Type.Optional(
        Type.Union([Type.Literal('active'), Type.Literal('revoked'), Type.Literal('expired')]),
      ),
      q: Type.Optional(
        PrintableTextSchema(256, {
          minLength: 1,
          description: 'a substring of the owner, a reader, a bucket, a key or the policy id',
        }),
      ),
      limit: Type.Optional(
        Type.String({
          pattern: '^([1-9]|[1-9][0-9]|1[0-9][0-9]|200)$',
          description: '1 to 200, default 50',
        }),
      ),
      total: Type.Optional(
        Type.Union([Type.Literal('true'), Type.Literal('false')], {
          description: 'true: count every policy that matches too (total)',
        }),
      ),
      cursor: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 1024,
          description: 'the nextCursor of the page before',
        }),
      ),
    }),
    response: { 200: PolicyListViewSchema, ...errorResponses },
  },
} as const satisfies RouteDefinition

/** The query of {@link listPoliciesRoute}: numbers as decimal strings. */
export type ListPoliciesQuery = Static<typeof listPoliciesRoute.schema.querystring>
