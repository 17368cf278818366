import { ErrorBodySchema } from '../views/error-body.js'
import { refTo } from './ref-to.js'

/** An error answer (`{ code, message, requestId }`), for a route's own error statuses. */
export const errorResponse = refTo(ErrorBodySchema)

/** The error answers every authenticated route can give besides its own. */
export const errorResponses = {
  400: errorResponse,
  401: errorResponse,
  403: errorResponse,
  429: errorResponse,
  503: errorResponse,
}
