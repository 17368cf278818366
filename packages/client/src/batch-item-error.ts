import type { ErrorBody } from '@latch/protocol'
import { isServerErrorCode, statusFor } from '@latch/protocol/light'
import { KeyServerError } from './errors.js'

/**
 * The error of one item of a batch answer, as the single route would have thrown it. An item's
 * error carries no status: it gets the one its code has as a whole answer (`statusFor`), so that
 * an item the server could not audit reads as the server being unavailable (503), never as a
 * denial or a bad request. Codes this client does not know are the server's problem until proven
 * otherwise (500).
 */
export function batchItemError({ code, message, requestId }: ErrorBody): KeyServerError {
  return new KeyServerError(
    code,
    message,
    isServerErrorCode(code) ? statusFor[code] : 500,
    requestId,
  )
}
