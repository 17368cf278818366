import type { Identity } from '../auth/identity.js'
import { ServerError } from '../errors.js'
import type { PolicyRecord } from '../store/records.js'
import { readerMatches } from './reader-matches.js'

/** Whether the caller may read a policy: its owner, one of its readers, or an admin. */
export function maySeePolicy(caller: Identity, policy: PolicyRecord): boolean {
  return (
    caller.role === 'admin' ||
    policy.owner === caller.email ||
    policy.readers.some((r) => readerMatches(r, caller.email))
  )
}

/**
 * Refuses a change to a policy by anyone but its owner or an admin: to those who cannot see it,
 * it does not exist (404); its readers get 403.
 * @throws ServerError `ERR_NOT_FOUND`, `ERR_ACCESS_FORBIDDEN`.
 */
export function assertMayChangePolicy(caller: Identity, policy: PolicyRecord): void {
  if (!maySeePolicy(caller, policy))
    throw new ServerError('ERR_NOT_FOUND', `no policy ${policy.id}`)
  if (caller.role !== 'admin' && policy.owner !== caller.email) {
    throw new ServerError('ERR_ACCESS_FORBIDDEN', 'only the owner or an admin may change a policy')
  }
}
