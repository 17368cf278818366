import { ServerError } from '../../errors.js'

// The SQLSTATE of a text value with a NUL character.
const CHARACTER_NOT_IN_REPERTOIRE = '22021'

/**
 * The `ServerError` a failed database operation is answered with: `ERR_STORE_UNAVAILABLE` (503),
 * except a `ServerError` already, which passes, and text PostgreSQL cannot hold (a NUL character,
 * which SQLite's can), which is the request's fault: `ERR_REQUEST_INVALID`.
 *
 * @param cause what the driver or the operation threw.
 */
export function storeFailure(cause: unknown): ServerError {
  if (cause instanceof ServerError) return cause
  if ((cause as { code?: string }).code === CHARACTER_NOT_IN_REPERTOIRE) {
    return new ServerError('ERR_REQUEST_INVALID', 'text must not contain a NUL character', {
      cause,
    })
  }
  return new ServerError('ERR_STORE_UNAVAILABLE', 'the database failed', { cause })
}
