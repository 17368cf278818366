import type { AuditValue } from '@latch/audit'
import type { PolicyRecord } from '../store/records.js'
import { policyView } from './policy-view.js'

/** The part of a policy its owner can change, as audit records show it before and after. */
export function policyState(policy: PolicyRecord): AuditValue {
  const { readers, expiresAt, revoked, version } = policyView(policy)
  return { readers, expires_at: expiresAt, revoked, version }
}
