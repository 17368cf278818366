import type { PolicyView } from '@latch/protocol'

/** A file's state as the key server judges it now: revoked, expired, or active. */
export function policyState(
  policy: PolicyView,
  now = Date.now(),
): 'active' | 'revoked' | 'expired' {
  if (policy.state === 'revoked') return 'revoked'
  if (policy.expiresAt !== null && Date.parse(policy.expiresAt) <= now) return 'expired'
  return 'active'
}

/**
 * The state as a badge (text, not color alone).
 *
 * @param props.policy The policy.
 */
export function PolicyState({ policy }: { policy: PolicyView }) {
  const state = policyState(policy)
  return <span className={`badge badge-${state}`}>{state}</span>
}
