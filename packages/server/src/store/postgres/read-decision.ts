import type pg from 'pg'
import { type PolicyRow, policyOfRow } from '../record-of-row.js'
import type { PolicyRecord } from '../records.js'
import { beginLocked } from './begin-locked.js'
import { DATABASE_CLOCK } from './database-clock.js'
import { pipelined } from './pipelined.js'

/** What a decision judges: the policy, the database's time, the active rules that cover it. */
export interface DecisionRead {
  readonly policy: PolicyRecord | undefined
  /** The database clock as ISO 8601 text: the judgement's time and its record's. */
  readonly now: string
  /** Ids of the active lockdown rules that cover the policy, oldest first (none without one). */
  readonly lockdowns: readonly string[]
}

// starts_with, not LIKE: a prefix holding % or _ means those characters. Every registered
// location of the policy counts. `o.bucket || ''` keeps the planner on the index by policy (the
// policy's own locations) even without statistics: on the (bucket, key) index a bucket rule
// would walk the whole bucket (the SQLite store's bench found 1.4 s per decision over 1,000,000
// objects before the same fix there).
const DECISION_POLICY = `SELECT ${DATABASE_CLOCK.text} AS now, p.*, ARRAY(
    SELECT r.id FROM lockdown_rules r
    WHERE r.lifted_at IS NULL AND (
      r.scope_kind = 'all'
      OR (r.scope_kind = 'owner' AND r.owner = p.owner)
      OR (r.scope_kind = 'bucket' AND EXISTS (
        SELECT 1 FROM policy_objects o
        WHERE o.policy_id = p.id AND (o.bucket || '') = r.bucket AND starts_with(o.key, r.prefix))))
    ORDER BY r.n) AS lockdowns
  FROM (SELECT 1) AS one LEFT JOIN policies p ON p.id = $1`

/**
 * Opens a decision's transaction and reads what it judges, in one round trip: BEGIN and the
 * decision's shared locks (`beginLocked.decision`), then the policy, the clock and the covering
 * rules in one statement of its own, which runs once both locks are granted, so that its snapshot
 * holds every committed change of the policy, its objects and the rules. The policy comes without
 * its objects, which the judgement does not use.
 *
 * @param db a connection with no transaction open; the caller's transaction runs with
 *   `{ begin: 'pipelined' }`.
 * @param policyId the policy to decide on.
 */
export async function readDecision(db: pg.PoolClient, policyId: string): Promise<DecisionRead> {
  const [, read] = await pipelined(db, () => [
    db.query(beginLocked.decision(policyId)),
    db.query<Partial<PolicyRow> & { now: string; lockdowns: string[] | null }>({
      name: 'latch_decision_policy',
      text: DECISION_POLICY,
      values: [policyId],
    }),
  ])
  const row = read?.rows[0] as Partial<PolicyRow> & { now: string; lockdowns: string[] | null }
  const policy =
    row.id === undefined || row.id === null ? undefined : policyOfRow(row as PolicyRow, [])
  return { policy, now: row.now, lockdowns: policy === undefined ? [] : (row.lockdowns ?? []) }
}
