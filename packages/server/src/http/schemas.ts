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

export const PolicyObjectSchema = Type.Object({
  objectId: Type.String(),
  coreHash: Type.String(),
  bucket: Type.Union([Type.String(), Type.Null()]),
  key: Type.Union([Type.String(), Type.Null()]),
  registeredAt: Type.String({ format: 'date-time' }),
})

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
