import { type Static, Type } from 'typebox'

/** The schema of {@link KeySet}. */
export const KeySetSchema = Type.Object({
  kasId: Type.String(),
  current: Type.String(),
  keys: Type.Array(
    Type.Object({
      kty: Type.Literal('OKP'),
      crv: Type.Literal('X25519'),
      x: Type.String(),
      kid: Type.String(),
      use: Type.Literal('enc'),
      alg: Type.Literal('ECDH-ES+A256KW'),
    }),
  ),
})

/**
 * The key server's public wrap keys as a JWKS, current first, with the `kasId` that key entries
 * name (format §3) and the id of the key new files use.
 */
export type KeySet = Static<typeof KeySetSchema>
