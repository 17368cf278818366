import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { callerOf } from '../../caller-of.js'
import { requestMeta } from '../../request-meta.js'
import { errorResponses } from '../../schemas.js'

const Jwk = Type.Object({
  kty: Type.Literal('OKP'),
  crv: Type.Literal('X25519'),
  x: Type.String(),
  kid: Type.String(),
  use: Type.Literal('enc'),
  alg: Type.Literal('ECDH-ES+A256KW'),
})

/**
 * `GET /v1/keys`: the server's public wrap keys as a JWKS, current first, with the `kas_id`
 * that key entries name. `POST /v1/keys/rotate` (admin): a new current key; old ones keep
 * working for decryption.
 */
export const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/keys',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Public wrap keys (JWKS), current first',
        response: {
          200: Type.Object({ kasId: Type.String(), current: Type.String(), keys: Type.Array(Jwk) }),
        },
      },
    },
    async () => ({
      kasId: app.latch.config.kasId,
      current: app.latch.keys.currentKid,
      ...app.latch.keys.jwks(),
    }),
  )

  app.post(
    '/v1/keys/rotate',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Add a wrap key for new files (admin)',
        response: { 201: Type.Object({ kid: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const kid = await app.latch.keys.rotate(callerOf(request), requestMeta(request))
      reply.code(201)
      return { kid }
    },
  )
}
