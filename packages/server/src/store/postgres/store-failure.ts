import { AuditError } from '@latch/audit'
import { ServerError } from '../../errors.js'

// The SQLSTATE of a text value with a NUL character.
const CHARACTER_NOT_IN_REPERTOIRE = '22021'

/**
 * The `ServerError` a failed database operation is answered with: `ERR_STORE_UNAVAILABLE` (503),
 * except a `ServerError` already, which passes, an `AuditError` (a record the audit code cannot
 * write: the server's bug, `ERR_INTERNAL`), and text PostgreSQL cannot hold (a NUL character,
 * which SQLite's can), which is the request's fault: `ERR_REQUEST_INVALID`.
 *
 * @param cause what the driver or the operation threw.
 */
export function storeFailure(cause: unknown): ServerError {
  if (cause instanceof ServerError) return cause
  // A record or note the audit code cannot write is the server's bug, not the database's.
  if (cause instanceof AuditError) return new ServerError('ERR_INTERNAL', cause.message, { cause })
  if ((cause as { code?: string }).code === CHARACTER_NOT_IN_REPERTOIRE) {
    return new ServerError('ERR_REQUEST_INVALID', 'text must not contain a NUL character', {
      cause,
    })
  }
  return new ServerError('ERR_STORE_UNAVAILABLE', 'the database failed', { cause })
}
