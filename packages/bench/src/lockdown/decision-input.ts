import type { Store } from '@latch/server'

type DecisionInput = Parameters<Store['decide']>[0]

/** What one benchmark decision concluded, and the lockdown rules the store said cover it. */
export interface DecisionSeen {
  permit: boolean
  reason: string
  lockdowns: readonly string[]
}

const CALLER = 'reader@bench.example'

/**
 * The input of one `store.decide` for `policyId` as asked by `reader@bench.example`, judged in the
 * order of the server's `evaluateRelease` (unknown, lockdown, revoked, owner, reader), with a
 * `key.release` record of the real shape; `seen` receives the outcome. The store's side (reading
 * the policy and the covering rules, appending the record, committing) is the server's own.
 */
export function decisionInput(
  policyId: string,
  seen?: (decision: DecisionSeen) => void,
): DecisionInput {
  let covering: readonly string[] = []
  return {
    policyId,
    judge: (policy, _now, lockdowns) => {
      covering = lockdowns
      if (policy === undefined) return { permit: false, reason: 'policy_unknown' }
      if (lockdowns.length > 0) return { permit: false, reason: 'lockdown' }
      if (policy.revocation !== undefined) return { permit: false, reason: 'revoked' }
      if (policy.owner === CALLER) return { permit: true, reason: 'owner' }
      if (policy.readers.includes(CALLER)) return { permit: true, reason: 'reader' }
      return { permit: false, reason: 'not_reader' }
    },
    record: (verdict, policy) => {
      seen?.({ ...verdict, lockdowns: covering })
      return {
        type: verdict.permit ? 'key.release' : 'key.release.denied',
        actor: { email: CALLER, scheme: 'token', token_id: 'tok_bench' },
        decision: verdict.permit ? 'permit' : 'deny',
        reason: verdict.reason,
        ...(covering.length > 0 ? { lockdown_rules: [...covering] } : {}),
        policy_id: policyId,
        ...(policy === undefined ? {} : { policy_version: policy.version }),
      }
    },
  }
}
