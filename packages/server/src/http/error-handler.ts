import { FormatError } from '@latch/format'
import { type ErrorBody, type ServerErrorCode, statusFor } from '@latch/protocol'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ServerError } from '../errors.js'

// The codes whose status is 5xx.
type FailureCode = {
  [C in ServerErrorCode]: `${(typeof statusFor)[C]}` extends `5${string}` ? C : never
}[ServerErrorCode]

// Answers of 5xx say what to do, never why: the cause goes to the log only. Whether an answer gets
// a fixed message is decided by its status (messageOf), so no 5xx answer can carry a detail
// whatever its code; this table only words them.
const GENERIC_MESSAGE: Readonly<Partial<Record<ServerErrorCode, string>>> = {
  ERR_AUDIT_UNAVAILABLE: 'the audit log cannot record this request; no key was released',
  ERR_STORE_UNAVAILABLE: 'the key server database is unavailable; retry later',
  ERR_CUSTODY_UNAVAILABLE: 'the key server cannot reach its key custody; retry later',
  ERR_INTERNAL: 'internal error',
  ERR_CONFIG_INVALID: 'internal error',
} satisfies Record<FailureCode, string>

// The error's own message for a refusal (4xx); a fixed text for a failure (500 or more).
function messageOf(error: ServerError, status: number): string {
  return status < 500 ? error.message : (GENERIC_MESSAGE[error.code] ?? 'internal error')
}

/**
 * Maps anything thrown by a route to `{ code, message, requestId }` with the status of
 * `statusFor`: our own errors by code, Fastify's parsing and validation errors to 400/413,
 * the rest to 500 with a generic message (and the cause in the log).
 */
export function errorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const { status, body } = errorBodyOf(error, request, 'request')
  return reply.code(status).type('application/json').send(body)
}

/**
 * The error body and status for anything thrown while answering `request`, logged as
 * {@link errorHandler} logs it (the cause of a 5xx to the log only): also the per-item errors of
 * a batch. Every answer of status 500 or more carries a fixed message, never the error's own.
 *
 * @param what - what failed, for the log line (`request`, `batch item`).
 */
export function errorBodyOf(
  error: unknown,
  request: FastifyRequest,
  what: string,
): { status: number; body: ErrorBody & { code: ServerErrorCode } } {
  const mapped = toServerError(error instanceof Error ? error : new Error(String(error)))
  const status: number = statusFor[mapped.code]
  if (status >= 500) request.log.error({ err: error }, `${what} failed`)
  else request.log.info({ code: mapped.code }, `${what} refused`)
  return {
    status,
    body: { code: mapped.code, message: messageOf(mapped, status), requestId: request.id },
  }
}

function toServerError(error: FastifyError | Error): ServerError {
  if (error instanceof ServerError) return error
  if (error instanceof FormatError) return new ServerError('ERR_REQUEST_INVALID', error.message)
  const fastify = error as FastifyError
  if (fastify.validation !== undefined) {
    return new ServerError(
      'ERR_REQUEST_INVALID',
      `${fastify.validationContext ?? 'request'}: ${fastify.message}`,
    )
  }
  if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new ServerError('ERR_REQUEST_TOO_LARGE', 'request body too large')
  }
  if (fastify.statusCode === 429) {
    return new ServerError('ERR_RATE_LIMITED', 'too many requests; retry after Retry-After seconds')
  }
  if (
    typeof fastify.statusCode === 'number' &&
    fastify.statusCode >= 400 &&
    fastify.statusCode < 500
  ) {
    return new ServerError('ERR_REQUEST_INVALID', fastify.message)
  }
  return new ServerError('ERR_INTERNAL', 'internal error', { cause: error })
}
