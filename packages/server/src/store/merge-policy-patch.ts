import type { PolicyRecord } from './records.js'
import type { PolicyPatch, Store } from './store.js'

/**
 * What {@link Store.changePolicy} writes for a patch: each member the patch sets, and the
 * policy's own value for each it leaves out; `null` clears the expiry or lifts the revocation.
 *
 * @param before the policy as it is.
 * @param patch the change.
 * @returns the readers, expiry and revocation to store.
 */
export function mergePolicyPatch(
  before: PolicyRecord,
  patch: PolicyPatch,
): Pick<PolicyRecord, 'readers' | 'expiresAt' | 'revocation'> {
  return {
    readers: patch.readers ?? before.readers,
    expiresAt: patch.expiresAt === undefined ? before.expiresAt : (patch.expiresAt ?? undefined),
    revocation:
      patch.revocation === undefined ? before.revocation : (patch.revocation ?? undefined),
  }
}
