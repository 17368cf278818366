import type { Identity } from '../auth/identity.js'
import type { PolicyRecord } from '../store/records.js'
import { assertMayChangePolicy } from './may-see-policy.js'

/**
 * Refuses to record an object on a policy for anyone but its owner, an admin, or the account
 * that created it. The creator matters for browser uploads: an app's service account creates the
 * policy for the person who fills in a form (another owner, which `mayAssignOwner` allows), the
 * browser writes the object, and the service account then registers it. Creating a policy does
 * not make the creator a reader: it still cannot see the policy or obtain its key.
 * @throws ServerError `ERR_NOT_FOUND` (cannot see it), `ERR_ACCESS_FORBIDDEN` (a reader).
 */
export function assertMayRegisterObject(caller: Identity, policy: PolicyRecord): void {
  if (policy.createdBy === caller.email) return
  assertMayChangePolicy(caller, policy)
}
