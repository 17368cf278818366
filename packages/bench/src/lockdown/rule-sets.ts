import type { Scope } from './add-rule.js'
import { FILL_BUCKET } from './fill-policies.js'

/** A set of active lockdown rules that cover none of the policies the benchmarks ask about. */
export interface RuleSet {
  readonly name: string
  /** The `n` rules' scopes. */
  scopes(n: number): Scope[]
}

/**
 * The rule sets of the lockdown decision benchmarks: `other` alternates rules on other buckets
 * (`other-k`, every key) and on other owners; `same bucket` puts every rule on bucket `b`, where
 * the asked policies' objects are, under prefixes no key has (`elsewhere-k/`), so that each
 * rule's EXISTS over `policy_objects` runs and finds nothing.
 */
export const RULE_SETS: readonly RuleSet[] = [
  {
    name: 'other buckets and owners',
    scopes: (n) =>
      Array.from({ length: n }, (_, k) =>
        k % 2 === 0
          ? { kind: 'bucket', bucket: `other-${k}`, prefix: '' }
          : { kind: 'owner', owner: `nobody${k}@elsewhere.example` },
      ),
  },
  {
    name: 'bucket `b`, other prefixes',
    scopes: (n) =>
      Array.from({ length: n }, (_, k) => ({
        kind: 'bucket',
        bucket: FILL_BUCKET,
        prefix: `elsewhere-${k}/`,
      })),
  },
]

/** Active rule counts measured, after the baseline with none. */
export const RULE_COUNTS = [10, 100] as const
