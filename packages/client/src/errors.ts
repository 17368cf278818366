import { ProjectError } from '@latch/format'

/**
 * Failures of the client itself (the key server's own refusals are {@link KeyServerError}s):
 *
 * - `ERR_CLIENT_UNAVAILABLE`: the key server cannot be reached (connection refused, DNS, timeout).
 * - `ERR_CLIENT_RESPONSE_INVALID`: the key server answered something this client does not
 *   understand, or a re-wrapped share that does not open with the throw-away key.
 * - `ERR_CLIENT_CONFIG_INVALID`: no key server URL, or a malformed one.
 */
export type ClientErrorCode =
  | 'ERR_CLIENT_UNAVAILABLE'
  | 'ERR_CLIENT_RESPONSE_INVALID'
  | 'ERR_CLIENT_CONFIG_INVALID'

/** Every code of {@link ClientErrorCode}. */
export const CLIENT_ERROR_CODES = [
  'ERR_CLIENT_UNAVAILABLE',
  'ERR_CLIENT_RESPONSE_INVALID',
  'ERR_CLIENT_CONFIG_INVALID',
] as const satisfies readonly ClientErrorCode[]

/** An error of the client. */
export class ClientError extends ProjectError<ClientErrorCode> {}

/**
 * The key server refused a request: `code` is the server's stable code (`docs/errors.md`),
 * `status` the HTTP status, `requestId` what to quote to the operator.
 */
export class KeyServerError extends ProjectError<string> {
  readonly status: number
  readonly requestId: string | undefined

  constructor(code: string, message: string, status: number, requestId: string | undefined) {
    super(code, message)
    this.status = status
    this.requestId = requestId
  }
}
