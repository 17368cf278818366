import type { ServerErrorCode } from './server-error-code.js'
import type { statusFor } from './status-for.js'

type Status = (typeof statusFor)[ServerErrorCode]
type CodeOf<S extends Status> = {
  [C in ServerErrorCode]: (typeof statusFor)[C] extends S ? C : never
}[ServerErrorCode]

// The most general code of each status of statusFor (checked: one entry per status, a code of that
// status): what a caller may assume about any answer of that status, whatever a newer server
// called it.
const BY_STATUS: Readonly<Record<number, ServerErrorCode>> = {
  400: 'ERR_REQUEST_INVALID',
  401: 'ERR_AUTH_INVALID',
  403: 'ERR_ACCESS_FORBIDDEN',
  404: 'ERR_NOT_FOUND',
  409: 'ERR_CONFLICT',
  413: 'ERR_REQUEST_TOO_LARGE',
  429: 'ERR_RATE_LIMITED',
  500: 'ERR_INTERNAL',
  503: 'ERR_STORE_UNAVAILABLE',
} as const satisfies { [S in Status]: CodeOf<S> }

/**
 * The {@link ServerErrorCode} a client reads an error answer as when its `code` is one it does
 * not know (a newer server's): chosen by the HTTP status, so that the caller still reacts as the
 * status says (retry a 503, ask an admin about a 403). Keep the server's own code next to it.
 *
 * @param status - The answer's HTTP status (4xx or 5xx).
 * @returns The most general code of that status; `ERR_REQUEST_INVALID` for any other 4xx,
 *   `ERR_STORE_UNAVAILABLE` for 502 and 504 (the server cannot answer now), `ERR_INTERNAL`
 *   otherwise.
 * @example
 * ```ts
 * fallbackCodeFor(403) // 'ERR_ACCESS_FORBIDDEN'
 * fallbackCodeFor(418) // 'ERR_REQUEST_INVALID'
 * ```
 */
export function fallbackCodeFor(status: number): ServerErrorCode {
  const code = BY_STATUS[status]
  if (code !== undefined) return code
  if (status === 502 || status === 504) return 'ERR_STORE_UNAVAILABLE'
  return status >= 400 && status < 500 ? 'ERR_REQUEST_INVALID' : 'ERR_INTERNAL'
}
