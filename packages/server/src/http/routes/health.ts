import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { routes } from '@latch/protocol'

/** `GET /healthz`: 200 when the database answers, 503 otherwise (for load balancers). */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.route({
    ...routes.health,
    config: { access: 'public' },
    handler: async () => {
      await app.latch.store.ping()
      return { status: 'ok' as const }
    },
  })
}
