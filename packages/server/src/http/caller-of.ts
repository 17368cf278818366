import type { FastifyRequest } from 'fastify'
import type { Identity } from '../auth/identity.js'
import { ServerError } from '../errors.js'

/** The authenticated caller of a non-public route (the authentication plugin guarantees one). */
export function callerOf(request: FastifyRequest): Identity {
  if (request.identity === undefined) {
    throw new ServerError('ERR_AUTH_REQUIRED', 'a bearer token is required')
  }
  return request.identity
}
