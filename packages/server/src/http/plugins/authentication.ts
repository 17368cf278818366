import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AuthFailureAggregator } from '../../audit/auth-failure-aggregator.js'
import { authenticate } from '../../auth/authenticate.js'
import type { Identity } from '../../auth/identity.js'
import { ServerError } from '../../errors.js'
import { requestMeta } from '../request-meta.js'

/** Who may call a route: anyone, any authenticated identity, or admins. */
export type RouteAccess = 'public' | 'user' | 'admin'

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set before the handler of every non-public route runs. */
    identity: Identity | undefined
    authError: ServerError | undefined
  }
  interface FastifyContextConfig {
    access?: RouteAccess
    /** Record failed authentications in the audit chain (the key-release routes). */
    auditAuthFailure?: boolean
  }
}

/**
 * Authenticates every request that carries an `Authorization` header (onRequest, so that the
 * rate limit can key on the identity), then enforces each route's `config.access` (preValidation,
 * after the rate limit, before the body is validated): 401 without a valid token, 403 for admin routes.
 * Failed authentications on the key-release routes go to the audit chain through an
 * {@link AuthFailureAggregator} (one record at once and one counted record per source and
 * interval), whose last tallies are appended when the app closes.
 */
export const authentication = fp(
  async (app: FastifyInstance) => {
    const failures = new AuthFailureAggregator(app.latch.store, app.latch.checkpointer, {
      intervalMs: app.latch.config.authFailureIntervalMs,
      log: app.log,
    })
    failures.start()
    app.addHook('onClose', () => failures.close())
    app.decorateRequest('identity', undefined)
    app.decorateRequest('authError', undefined)
    app.addHook('onRequest', async (request) => {
      if ((request.routeOptions.config.access ?? 'user') === 'public') return
      try {
        request.identity = await authenticate(
          request.headers.authorization,
          app.latch.store,
          app.latch.oidc,
        )
      } catch (error) {
        if (!(error instanceof ServerError)) throw error
        if (error.code !== 'ERR_AUTH_REQUIRED' && error.code !== 'ERR_AUTH_INVALID') throw error
        request.authError = error
      }
    })
    app.addHook('preValidation', async (request) => {
      const access = request.routeOptions.config.access ?? 'user'
      if (access === 'public') return
      if (request.identity === undefined) {
        const error =
          request.authError ?? new ServerError('ERR_AUTH_REQUIRED', 'a bearer token is required')
        if (request.routeOptions.config.auditAuthFailure === true) {
          await failures.record({
            route: request.routeOptions.url ?? request.url,
            reason: error.code === 'ERR_AUTH_REQUIRED' ? 'missing' : 'invalid',
            meta: requestMeta(request),
          })
        }
        throw error
      }
      if (access === 'admin' && request.identity.role !== 'admin') {
        throw new ServerError('ERR_ACCESS_FORBIDDEN', 'this action needs an admin')
      }
    })
  },
  { name: 'authentication', dependencies: ['latch-services'] },
)
