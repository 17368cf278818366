import type pg from 'pg'
import { type PolicyRow, policyOfRow } from '../record-of-row.js'
import type { PolicyRecord } from '../records.js'
import { beginLocked } from './begin-locked.js'
import { pipelined } from './pipelined.js'

/**
 * Opens a policy change's transaction in one round trip: BEGIN and the policy's lock, taken
 * exclusively (`beginLocked.policyChange`), then its row read for update.
 *
 * @param db a connection with no transaction open; the caller's transaction runs with
 *   `{ begin: 'pipelined' }`.
 * @param id the policy to change.
 * @returns the policy as it is, without its objects; `undefined` when there is none.
 */
export async function beginPolicyChange(
  db: pg.PoolClient,
  id: string,
): Promise<PolicyRecord | undefined> {
  const [, read] = await pipelined(db, () => [
    db.query(beginLocked.policyChange(id)),
    db.query<PolicyRow>({
      name: 'latch_policy_for_update',
      text: 'SELECT * FROM policies WHERE id = $1 FOR UPDATE',
      values: [id],
    }),
  ])
  const row = read?.rows[0]
  return row === undefined ? undefined : policyOfRow(row, [])
}
