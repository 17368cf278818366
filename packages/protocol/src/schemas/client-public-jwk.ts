import { type Static, Type } from 'typebox'
import { Base64urlSchema } from './base64url-schema.js'
import { PolicyIdSchema } from './policy-id-schema.js'

/** The schema of {@link ClientPublicJwk}. */
export const ClientPublicJwkSchema = Type.Object(
  {
    kty: Type.Literal('OKP'),
    crv: Type.Literal('X25519'),
    x: Base64urlSchema('the 32-byte public key', 43),
    kid: Type.Optional(PolicyIdSchema),
  },
  { description: "the client's throw-away X25519 public key (JWK)" },
)

/**
 * The client's throw-away X25519 public key (a JWK) that a released share is re-wrapped to. A key
 * of small order (no usable shared secret) is 400 `ERR_REQUEST_INVALID`.
 */
export type ClientPublicJwk = Static<typeof ClientPublicJwkSchema>
