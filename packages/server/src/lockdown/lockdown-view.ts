import type { LockdownRuleView, LockdownScopeView } from '@latch/protocol'
import type { LockdownRule, LockdownScope } from '../store/records.js'

/** A lockdown scope as the API and the audit records show it. */
export function lockdownScopeView(scope: LockdownScope): LockdownScopeView {
  switch (scope.kind) {
    case 'all':
      return { kind: 'all' as const, bucket: null, prefix: null, owner: null }
    case 'bucket':
      return { kind: 'bucket' as const, bucket: scope.bucket, prefix: scope.prefix, owner: null }
    case 'owner':
      return { kind: 'owner' as const, bucket: null, prefix: null, owner: scope.owner }
  }
}

/** A lockdown rule as the API shows it (dates as ISO strings, absent values as null). */
export function lockdownView(rule: LockdownRule): LockdownRuleView {
  return {
    id: rule.id,
    scope: lockdownScopeView(rule.scope),
    reason: rule.reason,
    createdBy: rule.createdBy,
    createdAt: rule.createdAt.toISOString(),
    lifted:
      rule.lifted === undefined
        ? null
        : {
            by: rule.lifted.by,
            at: rule.lifted.at.toISOString(),
            reason: rule.lifted.reason ?? null,
          },
  }
}
