import { createHash } from 'node:crypto'
import { ADVISORY_LOCKS } from './advisory-locks.js'

const { rules: RULES, policies: POLICIES } = ADVISORY_LOCKS

/**
 * The statements that open a transaction and take its advisory locks, for the simple-query
 * protocol, which runs them in one message (the keys are numbers computed here, never text).
 * Send them pipelined with the transaction's first read (`pipelined`), in a transaction that
 * the store opens with `{ begin: 'pipelined' }`: the read runs once the locks are granted, so its
 * snapshot holds every change committed under them, and the whole costs one round trip.
 *
 * Every transaction takes its locks in one order: the lockdown-rules lock, the policy's lock, the
 * audit head row last (in `latch_append`). Transaction-level locks, held to the commit.
 */
export const beginLocked = {
  /** A decision: the rules and the policy's lock, both shared (decisions do not wait for each other). */
  decision: (policyId: string): string =>
    `BEGIN; SELECT pg_advisory_xact_lock_shared(${RULES});
     SELECT pg_advisory_xact_lock_shared(${POLICIES}, ${policyLockKey(policyId)})`,
  /**
   * A change of a policy or of its objects (which decide the bucket lockdowns that cover it): its
   * lock, exclusive.
   */
  policyChange: (policyId: string): string =>
    `BEGIN; SELECT pg_advisory_xact_lock(${POLICIES}, ${policyLockKey(policyId)})`,
  /**
   * Adding or lifting a lockdown rule: the rules lock, exclusive. It waits for the decisions in
   * flight (they commit first, before the rule in the chain); every decision after it reads the
   * rule.
   */
  rulesChange: (): string => `BEGIN; SELECT pg_advisory_xact_lock(${RULES})`,
} as const

/**
 * The second key of a policy's advisory lock: 32 bits of SHA-256 of its id. Two policies that
 * share a key only wait for each other more often.
 *
 * Why a lock of its own, and not just the row: a decision that read the policy before a change
 * must commit before the change does (its record precedes the change's in the chain), and one
 * that comes later must wait and read the new row; otherwise a decision that read "active" could
 * commit after a revoke was acknowledged and release a key. Row locks would order them too
 * (FOR SHARE against FOR UPDATE), but PostgreSQL lets new FOR SHARE lockers in while a FOR UPDATE
 * waits, so a stream of decisions can hold a revoke off for as long as it lasts (measured: a
 * revoke acknowledged after 47 ms at the median, 225 ms at p99, under six readers). Advisory locks
 * queue fairly: a shared request waits behind a waiting exclusive one.
 */
function policyLockKey(id: string): number {
  return createHash('sha256').update(id, 'utf8').digest().readInt32BE(0)
}
