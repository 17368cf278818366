import { ProjectError } from '@latch/format'
import { fallbackCodeFor, isServerErrorCode, type ServerErrorCode } from '@latch/protocol/light'

/**
 * Failures of the client itself (the key server's own refusals are {@link KeyServerError}s):
 *
 * - `ERR_CLIENT_UNAVAILABLE`: the key server cannot be reached (connection refused, DNS), does not
 *   answer within the time-out, or cuts its answer short.
 * - `ERR_CLIENT_RESPONSE_INVALID`: the key server answered something this client does not
 *   understand, or a re-wrapped share that does not open with the throw-away key.
 * - `ERR_CLIENT_CONFIG_INVALID`: no key server URL, or a malformed one; a split whose two servers share
 *   a `kasId`.
 */
export type ClientErrorCode =
  | 'ERR_CLIENT_UNAVAILABLE'
  | 'ERR_CLIENT_RESPONSE_INVALID'
  | 'ERR_CLIENT_CONFIG_INVALID'

/** Every code of {@link ClientErrorCode}. */
export const CLIENT_ERROR_CODES = Object.freeze([
  'ERR_CLIENT_UNAVAILABLE',
  'ERR_CLIENT_RESPONSE_INVALID',
  'ERR_CLIENT_CONFIG_INVALID',
] as const satisfies readonly ClientErrorCode[])

/** An error of the client. */
export class ClientError extends ProjectError<ClientErrorCode> {}

/**
 * The key server refused a request: `code` is the server's stable code (`docs/errors.md`),
 * `status` the HTTP status, `requestId` what to quote to the operator. A code this client does not
 * know (a newer server's) is read by its status (`fallbackCodeFor`: a 403 is
 * `ERR_ACCESS_FORBIDDEN`, a 503 `ERR_STORE_UNAVAILABLE`, …), and `serverCode` keeps it as sent.
 */
export class KeyServerError extends ProjectError<ServerErrorCode> {
  readonly status: number
  readonly requestId: string | undefined
  /** The code as the server sent it: `code`, unless this client does not know it. */
  readonly serverCode: string

  /**
   * @param serverCode - The `code` of the error answer, as sent.
   * @param message - Its `message`.
   * @param status - The HTTP status of the answer (for a batch item, the status of its code).
   * @param requestId - Its `requestId`, when it has one.
   */
  constructor(serverCode: string, message: string, status: number, requestId: string | undefined) {
    super(isServerErrorCode(serverCode) ? serverCode : fallbackCodeFor(status), message)
    this.status = status
    this.requestId = requestId
    this.serverCode = serverCode
  }
}
