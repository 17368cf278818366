import { openSqliteStore, type Store } from '@latch/server'
import { median } from '../shared/measure.js'
import { printTable, type Row } from '../shared/report.js'
import { addRule, liftRules } from './add-rule.js'
import { decisionInput } from './decision-input.js'
import { policyIdAt } from './fill-policies.js'
import { RULE_COUNTS, RULE_SETS } from './rule-sets.js'

/** A filled store to measure decisions on. */
export interface FilledStore {
  readonly file: string
  /** Its policies, one object each, all in bucket `b`. */
  readonly count: number
}

/** Microseconds per decision by rule set name and rule count (`0` under every name). */
export type DecisionCost = Record<string, Record<number, { us: number; ratio: number }>>

const NO_TAIL_BOUNDS = { maxUnsignedRecords: 1e9, maxUnsignedAgeMs: 1e12 }
const BUDGET_MS = 1000
const WARM_UP = 500
const SLOW_US = 1e6

/**
 * The store's cost of one key-release decision with 0, 10 and 100 active lockdown rules that do
 * not cover the asked policy (see `RULE_SETS`): `store.decide` in a loop in this process, one
 * transaction each as the server runs it (policy, covering rules, audit append, commit), for about
 * a second per figure (at least one decision), over policies under `incident/`. Each figure is
 * measured right after a baseline with no rule (add the rules, measure, lift them), so that this
 * shared machine's slow and fast moments hit both alike; figures are medians over `rounds`, ratios
 * the median of each measurement over its baseline. A figure over a second per decision is
 * measured in one round only.
 *
 * @throws Error when a decision is not the expected permit with no covering rule.
 */
export async function benchDecisionCost(
  filled: FilledStore,
  rounds: number,
): Promise<DecisionCost> {
  const n = filled.count.toLocaleString('en')
  process.stderr.write(`lockdown: store-level decisions, ${n} objects in the bucket …\n`)
  const store = openSqliteStore({ file: filled.file, tailBounds: NO_TAIL_BOUNDS })
  try {
    // Policies under incident/ (the first 80 %), spread over it.
    const asked = Array.from({ length: 64 }, (_, i) =>
      policyIdAt(Math.floor((i * 0.8 * filled.count) / 64)),
    )
    await perDecisionUs(store, asked, 0, WARM_UP)
    const base: number[] = []
    const samples = new Map<string, { us: number[]; ratio: number[] }>()
    for (let round = 0; round < rounds; round++) {
      for (const set of RULE_SETS) {
        for (const count of RULE_COUNTS) {
          const entry = samples.get(`${set.name}:${count}`) ?? { us: [], ratio: [] }
          samples.set(`${set.name}:${count}`, entry)
          // Seconds per decision say enough once: the other rounds would take minutes.
          if (entry.us.some((us) => us > SLOW_US)) continue
          const baseline = await perDecisionUs(store, asked, BUDGET_MS)
          base.push(baseline)
          const ids: string[] = []
          for (const scope of set.scopes(count)) ids.push(await addRule(store, scope))
          const us = await perDecisionUs(store, asked, BUDGET_MS)
          entry.us.push(us)
          entry.ratio.push(us / baseline)
          await liftRules(store, ids)
        }
      }
    }
    const cost: DecisionCost = {}
    const baseUs = median(base)
    const rows: Row[] = [{ what: 'no active rule (baseline)', value: baseUs, unit: 'µs', ratio: 1 }]
    for (const set of RULE_SETS) {
      const byCount: Record<number, { us: number; ratio: number }> = {
        0: { us: baseUs, ratio: 1 },
      }
      for (const count of RULE_COUNTS) {
        const entry = samples.get(`${set.name}:${count}`)
        const us = median(entry?.us ?? [])
        const ratio = median(entry?.ratio ?? [])
        byCount[count] = { us, ratio }
        const measured = entry?.us.length ?? 0
        const note = measured < rounds ? ` (${measured} round: over a second per decision)` : ''
        rows.push({ what: `${count} rules: ${set.name}${note}`, value: us, unit: 'µs', ratio })
      }
      cost[set.name] = byCount
    }
    printTable(
      `Store-level cost per decision (\`store.decide\` in process, one transaction with its audit record), ${n} policies with one object each in bucket \`b\`, active rules that cover none of the asked policies (median of ${rounds})`,
      rows,
    )
    return cost
  } finally {
    await store.close()
  }
}

/**
 * Microseconds per decision over `budgetMs` (at least `minimum` decisions, and at least one),
 * cycling through `asked`; every one must be permitted with no covering rule.
 */
async function perDecisionUs(
  store: Store,
  asked: readonly string[],
  budgetMs: number,
  minimum = 1,
): Promise<number> {
  let made = 0
  const check = (decision: { permit: boolean; lockdowns: readonly string[] }) => {
    if (!decision.permit || decision.lockdowns.length > 0) {
      throw new Error('a rule meant to cover nothing covered an asked policy')
    }
  }
  const started = performance.now()
  while (made < Math.max(1, minimum) || performance.now() - started < budgetMs) {
    await store.decide(decisionInput(asked[made % asked.length] as string, check))
    made++
  }
  return ((performance.now() - started) * 1000) / made
}
