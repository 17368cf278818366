import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { auditEvent } from '../../audit/audit-event.js'
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
 */
export const authentication = fp(
  async (app: FastifyInstance) => {
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
        if (request.routeOptions.config.auditAuthFailure === true)
          await auditFailure(app, request, error)
        throw error
      }
      if (access === 'admin' && request.identity.role !== 'admin') {
        throw new ServerError('ERR_ACCESS_FORBIDDEN', 'this action needs an admin')
      }
    })
  },
  { name: 'authentication', dependencies: ['latch-services'] },
)

async function auditFailure(app: FastifyInstance, request: FastifyRequest, error: ServerError) {
  try {
    const seq = await app.latch.store.appendAudit(
      auditEvent('auth.failed', undefined, requestMeta(request), {
        route: request.routeOptions.url ?? request.url,
        reason: error.code === 'ERR_AUTH_REQUIRED' ? 'missing' : 'invalid',
      }),
    )
    app.latch.checkpointer.appended(seq)
  } catch (auditError) {
    // The 401 stands: a failed authentication releases nothing, audited or not.
    request.log.warn({ err: auditError }, 'could not audit a failed authentication')
  }
}
