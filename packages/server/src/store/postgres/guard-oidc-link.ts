import type pg from 'pg'
import { ServerError } from '../../errors.js'
import type { OidcLink } from '../records.js'

const UNIQUE_VIOLATION = '23505'

/**
 * Runs `write`, a statement that gives the user `email` the OIDC account `link`, only when no
 * other user holds that account. A link written concurrently by another transaction is caught by
 * the unique index on the account (`users_by_oidc`): a conflict too, not a database failure.
 *
 * @param db the connection of the open transaction.
 * @param link the account; `undefined` when `write` sets none (only the index is then watched).
 * @param email the user's email, lower case.
 * @param write the statement, sent once the check passed.
 * @returns what `write` returns.
 * @throws ServerError `ERR_CONFLICT` when another user is linked to the account.
 */
export async function guardOidcLink<T>(
  db: pg.PoolClient,
  link: OidcLink | undefined,
  email: string,
  write: () => Promise<T>,
): Promise<T> {
  if (link !== undefined) {
    const { rows } = await db.query<{ email: string }>(
      'SELECT email FROM users WHERE oidc_issuer = $1 AND oidc_subject = $2',
      [link.issuer, link.subject],
    )
    const holder = rows[0]
    if (holder !== undefined && holder.email !== email) throw oidcTaken()
  }
  try {
    return await write()
  } catch (cause) {
    const { code, constraint } = cause as { code?: string; constraint?: string }
    if (code === UNIQUE_VIOLATION && constraint === 'users_by_oidc') throw oidcTaken()
    throw cause
  }
}

function oidcTaken(): ServerError {
  return new ServerError('ERR_CONFLICT', 'that OIDC account is linked to another user')
}
