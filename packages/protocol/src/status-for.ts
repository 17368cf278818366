import type { ServerErrorCode } from './server-error-code.js'

/**
 * The HTTP status of every {@link ServerErrorCode}: exhaustive, so a new code fails to compile
 * here until it has one. Every answer with one of these statuses of 500 or more carries a generic
 * message, never the cause.
 */
export const statusFor = Object.freeze({
  ERR_REQUEST_INVALID: 400,
  ERR_REQUEST_TOO_LARGE: 413,
  ERR_CURSOR_INVALID: 400,
  ERR_AUTH_REQUIRED: 401,
  ERR_AUTH_INVALID: 401,
  ERR_ACCESS_DENIED: 403,
  ERR_ACCESS_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_RATE_LIMITED: 429,
  ERR_AUDIT_UNAVAILABLE: 503,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_CUSTODY_UNAVAILABLE: 503,
  ERR_INTERNAL: 500,
  ERR_CONFIG_INVALID: 500,
} as const satisfies Record<ServerErrorCode, number>)
