import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { routes } from '@latch/protocol'
import { callerOf } from '../../caller-of.js'
import { requestMeta } from '../../request-meta.js'

/**
 * `GET /v1/keys`: the server's public wrap keys as a JWKS, current first, with the `kas_id`
 * that key entries name. `POST /v1/keys/rotate` (admin): a new current key; old ones keep
 * working for decryption.
 */
export const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    ...routes.listKeys,
    config: { access: 'public' },
    handler: async () => ({
      kasId: app.latch.config.kasId,
      current: app.latch.keys.currentKid,
      ...app.latch.keys.jwks(),
    }),
  })

  app.route({
    ...routes.rotateKey,
    config: { access: 'admin' },
    handler: async (request, reply) => {
      const kid = await app.latch.keys.rotate(callerOf(request), requestMeta(request))
      reply.code(201)
      return { kid }
    },
  })
}
