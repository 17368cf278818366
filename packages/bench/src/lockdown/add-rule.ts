import { randomBytes } from 'node:crypto'
import type { Store } from '@latch/server'

/** A lockdown rule's scope, as the store takes it. */
export type Scope = Parameters<Store['addLockdownRule']>[0]['scope']

/**
 * Adds a lockdown rule through `store.addLockdownRule`, with a `lockdown.add` audit record of the
 * route's shape, as `admin@bench.example`.
 *
 * @returns the new rule's id.
 */
export async function addRule(store: Store, scope: Scope, reason = 'bench'): Promise<string> {
  const rule = await store.addLockdownRule(
    {
      id: `ld_${randomBytes(10).toString('hex')}`,
      scope,
      reason,
      createdBy: 'admin@bench.example',
    },
    (added) => ({
      type: 'lockdown.add',
      actor: { email: 'admin@bench.example', scheme: 'token', token_id: 'tok_bench' },
      rule_id: added.id,
      scope: { ...added.scope },
      reason: added.reason,
    }),
  )
  return rule.id
}

/** Lifts the rules `ids` through `store.liftLockdownRule`, one transaction each. */
export async function liftRules(store: Store, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await store.liftLockdownRule(id, (rule) => ({
      by: 'admin@bench.example',
      reason: undefined,
      audit: {
        type: 'lockdown.lift',
        actor: { email: 'admin@bench.example', scheme: 'token', token_id: 'tok_bench' },
        rule_id: rule.id,
      },
    }))
  }
}
