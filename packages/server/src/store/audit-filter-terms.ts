import type { AuditFilter } from './records.js'

/**
 * One condition of an audit query on a column of the audit index: `eq` (equal), `prefix` (starts
 * with the value, every character literal: `%` and `_` are no wildcards), `owned-by` (names a
 * policy whose owner is the value), `gte` and `lt` (times).
 */
export type AuditFilterTerm =
  | {
      readonly column: 'policy_id' | 'actor' | 'type'
      readonly op: 'eq' | 'prefix'
      readonly value: string
    }
  | { readonly column: 'policy_id'; readonly op: 'owned-by'; readonly value: string }
  | { readonly column: 'time'; readonly op: 'gte' | 'lt'; readonly value: Date }

/**
 * What an {@link AuditFilter} means, as conditions on the index columns each store derives from a
 * record when it appends it (see `auditIndexFields`), for the store to write in its SQL. A type
 * ending in `.*` is a family: the types that start with what comes before the `*`, dot included
 * (`policy.*` is `policy.create`, `policy.share`…, never `policy` or `policyx.create`).
 *
 * @returns one term per member the filter sets; none for an empty filter.
 */
export function auditFilterTerms(filter: AuditFilter): AuditFilterTerm[] {
  const terms: AuditFilterTerm[] = []
  if (filter.policyId !== undefined) {
    terms.push({ column: 'policy_id', op: 'eq', value: filter.policyId })
  }
  if (filter.policyOwner !== undefined) {
    terms.push({ column: 'policy_id', op: 'owned-by', value: filter.policyOwner })
  }
  if (filter.actor !== undefined) terms.push({ column: 'actor', op: 'eq', value: filter.actor })
  if (filter.type?.endsWith('.*') === true) {
    terms.push({ column: 'type', op: 'prefix', value: filter.type.slice(0, -1) })
  } else if (filter.type !== undefined) {
    terms.push({ column: 'type', op: 'eq', value: filter.type })
  }
  if (filter.since !== undefined) terms.push({ column: 'time', op: 'gte', value: filter.since })
  if (filter.until !== undefined) terms.push({ column: 'time', op: 'lt', value: filter.until })
  return terms
}
