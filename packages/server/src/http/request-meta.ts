import type { FastifyRequest } from 'fastify'
import type { RequestMeta } from '../audit/audit-event.js'

/** The request facts every audit record carries: its id and source address. */
export function requestMeta(request: FastifyRequest): RequestMeta {
  return { requestId: request.id, sourceIp: request.ip }
}
