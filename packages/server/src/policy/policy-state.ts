import type { AuditValue } from '../audit/canonical-json.js'
import type { PolicyRecord } from '../store/records.js'

/** The part of a policy its owner can change, as audit records show it before and after. */
export function policyState(policy: PolicyRecord): AuditValue {
  return {
    readers: [...policy.readers],
    expires_at: policy.expiresAt?.toISOString() ?? null,
    revoked:
      policy.revocation === undefined
        ? null
        : {
            by: policy.revocation.by,
            at: policy.revocation.at.toISOString(),
            reason: policy.revocation.reason ?? null,
          },
    version: policy.version,
  }
}
