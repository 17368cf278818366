import { ServerError } from '../errors.js'

/** The error of a reseal that found a key's sealed bytes changed under it. */
export function resealConflict(kid: string): ServerError {
  return new ServerError(
    'ERR_CONFLICT',
    `server key ${kid} was changed by another reseal meanwhile; nothing was changed: run it again`,
  )
}
