import type { ErrorBody } from '@latch/protocol'

/**
 * A refusal or failure of the key server: its HTTP status and the `{ code, message, requestId }`
 * body every error answer has (`docs/errors.md`), or a network failure (`status` 0).
 */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly requestId: string | undefined

  constructor(status: number, body: Partial<ErrorBody>) {
    super(body.message ?? `the key server answered ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.code = body.code ?? (status === 0 ? 'ERR_NETWORK' : 'ERR_UNKNOWN')
    this.requestId = body.requestId
  }
}
