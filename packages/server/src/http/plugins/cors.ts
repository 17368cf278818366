import fastifyCors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ServerError } from '../../errors.js'

/** Options of {@link cors}. */
export interface CorsOptions {
  /** Origins allowed to call the API from a browser, matched exactly; empty: CORS stays off. */
  readonly origins: readonly string[]
}

/**
 * Answers browsers from the configured origins only: the origin is echoed back when it is one
 * of them, and nothing at all is said to any other (not even to its preflight, which then meets
 * the route's authentication like any request). Registered before authentication and the rate
 * limit, so that their error answers carry the headers too and the page can read the error code.
 * No credentials: callers send `Authorization: Bearer`, never cookies.
 *
 * @throws `ERR_CONFIG_INVALID` for an origin that is not exactly `scheme://host[:port]` (`*`,
 * a path or a trailing slash would never match, or match too much).
 */
export const cors = fp(
  async (app: FastifyInstance, options: CorsOptions) => {
    if (options.origins.length === 0) return
    const allowed = new Set(options.origins.map(checkOrigin))
    await app.register(fastifyCors, {
      // A function, not the list: the plugin answers a one-element list's origin to every caller.
      origin: (origin, callback) => {
        callback(null, origin !== undefined && allowed.has(origin) ? origin : false)
      },
      credentials: false,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
      strictPreflight: true,
      hideOptionsRoute: true,
    })
  },
  { name: 'cors' },
)

function checkOrigin(origin: string): string {
  let parsed: URL | undefined
  try {
    parsed = new URL(origin)
  } catch {
    parsed = undefined
  }
  if (
    parsed === undefined ||
    (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ||
    parsed.origin !== origin
  ) {
    throw new ServerError(
      'ERR_CONFIG_INVALID',
      `corsOrigins: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path, no wildcard)`,
    )
  }
  return origin
}
