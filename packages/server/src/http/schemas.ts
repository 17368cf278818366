import { Type } from 'typebox'
import { EMAIL_PATTERN, MAX_IDENTITY_LENGTH, READER_PATTERN } from '../identity/identity-name.js'

/** Shared TypeBox schemas of the HTTP API (the OpenAPI document is generated from them). */

export const ErrorSchema = Type.Object(
  {
    code: Type.String({ description: 'stable error code, see docs/errors.md' }),
    message: Type.String(),
    requestId: Type.String(),
  },
  { $id: 'Error', description: 'Every error answer' },
)

/** The answers every authenticated route can give besides its own. */
export const errorResponses = {
  400: Type.Ref('Error'),
  401: Type.Ref('Error'),
  403: Type.Ref('Error'),
  429: Type.Ref('Error'),
  503: Type.Ref('Error'),
}

/**
 * An email address: visible ASCII only (no white space, control, bidi or other non-ASCII
 * character, which could spell a real user's address differently), one `@`. Routes lower-case it.
 */
export const EmailSchema = Type.String({
  minLength: 3,
  maxLength: MAX_IDENTITY_LENGTH,
  pattern: EMAIL_PATTERN,
  description: 'an email address (visible ASCII)',
})

/** A reader entry: an email address ({@link EmailSchema}), or `*@domain`. */
export const ReaderSchema = Type.String({
  minLength: 3,
  maxLength: MAX_IDENTITY_LENGTH,
  pattern: READER_PATTERN,
  description: 'an email, or *@domain for every address at that domain (visible ASCII)',
})

/** An OIDC subject (`sub`): OpenID Connect Core §2 allows up to 255 ASCII characters. */
export const OidcSubjectSchema = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x20-\\x7e]+$',
  description: "the OIDC account's sub, as the issuer spells it (case-sensitive)",
})

/**
 * The code points free text may not hold: C0 controls, DEL and C1 controls, the bidi controls
 * (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), U+2028 and U+2029, and lone
 * surrogates (ajv compiles patterns with the `u` flag, where a surrogate range matches only an
 * unpaired half).
 */
const UNPRINTABLE_CLASS =
  '\\u0000-\\u001F\\u007F-\\u009F\\u061C\\u200E\\u200F\\u2028-\\u202E\\u2066-\\u2069\\uD800-\\uDFFF'

/**
 * Free text a person typed and others will read on a terminal (a revoke or lockdown reason, a
 * label value): printable characters only, so a stored value cannot move a terminal's cursor,
 * erase or forge a line, or reorder text. Anything else is 400 `ERR_REQUEST_INVALID`.
 *
 * @param maxLength the most characters (code points).
 * @param options `minLength` (default 0), `description`.
 * @returns the string schema.
 */
export const PrintableTextSchema = (
  maxLength: number,
  options: { readonly minLength?: number; readonly description?: string } = {},
) =>
  Type.String({
    ...options,
    maxLength,
    pattern: `^[^${UNPRINTABLE_CLASS}]*$`,
  })

/**
 * A time given in a request: RFC 3339 with seconds and a zone (`Z` or ±hh:mm), e.g.
 * `2030-01-31T18:00:00Z` or `2030-01-31T19:00:00.5+01:00`. The schema checks the shape; the
 * route reads the value with `parseTimeInput`, which refuses what JavaScript cannot represent
 * (a leap second) with 400 as well.
 */
export const TimeSchema = Type.String({
  format: 'date-time',
  maxLength: 64,
  pattern: '^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$',
  description: 'an RFC 3339 time: 2030-01-31T18:00:00Z',
})

export const PolicyIdSchema = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[A-Za-z0-9._:-]+$',
})

export const Base64urlSchema = (description: string, maxLength = 4096) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+$', description })

export const ClientKeySchema = Type.Object(
  {
    kty: Type.Literal('OKP'),
    crv: Type.Literal('X25519'),
    x: Base64urlSchema('the 32-byte public key', 43),
    kid: Type.Optional(PolicyIdSchema),
  },
  { description: "the client's throw-away X25519 public key (JWK)" },
)

export const PolicyObjectSchema = Type.Object(
  {
    objectId: Type.String(),
    coreHash: Type.String(),
    bucket: Type.Union([Type.String(), Type.Null()]),
    key: Type.Union([Type.String(), Type.Null()]),
    registeredAt: Type.String({ format: 'date-time' }),
  },
  {
    description:
      'an object at one location it was registered at: an object registered at several locations is listed once per location',
  },
)

export const PolicySchema = Type.Object(
  {
    id: Type.String(),
    owner: Type.String(),
    readers: Type.Array(Type.String()),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    labels: Type.Record(Type.String(), Type.String()),
    state: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
    revoked: Type.Union([
      Type.Object({
        by: Type.String(),
        at: Type.String({ format: 'date-time' }),
        reason: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ]),
    version: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    createdBy: Type.String(),
    objects: Type.Array(PolicyObjectSchema),
  },
  { $id: 'Policy' },
)

export const UserSchema = Type.Object(
  {
    email: Type.String(),
    role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
    mayAssignOwner: Type.Boolean(),
    disabledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    oidc: Type.Union(
      [Type.Object({ issuer: Type.String(), subject: Type.String() }), Type.Null()],
      {
        description: 'the OIDC account linked to the user, through which it keeps its role',
      },
    ),
  },
  { $id: 'User' },
)

export const LockdownRuleIdSchema = Type.String({ pattern: '^ld_[0-9a-f]{20}$' })

export const LockdownScopeSchema = Type.Object({
  kind: Type.Union([Type.Literal('all'), Type.Literal('bucket'), Type.Literal('owner')]),
  bucket: Type.Union([Type.String(), Type.Null()]),
  prefix: Type.Union([Type.String(), Type.Null()]),
  owner: Type.Union([Type.String(), Type.Null()]),
})

export const LockdownRuleSchema = Type.Object(
  {
    id: Type.String(),
    scope: LockdownScopeSchema,
    reason: Type.String(),
    createdBy: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    lifted: Type.Union([
      Type.Object({
        by: Type.String(),
        at: Type.String({ format: 'date-time' }),
        reason: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ]),
  },
  { $id: 'LockdownRule' },
)
