import { copyFileSync, rmSync } from 'node:fs'
import { openSqliteStore, type Store } from '@latch/server'
import Database from 'better-sqlite3'
import { median } from '../shared/measure.js'
import { printTable, type Row } from '../shared/report.js'
import { addRule, liftRules, type Scope } from './add-rule.js'
import { type DecisionSeen, decisionInput } from './decision-input.js'
import { FILL_BUCKET, policyIdAt, prefixAt } from './fill-policies.js'

/** The figures of {@link benchLockdownEffect}, for the section's summary. */
export interface LockdownEffect {
  /** Median milliseconds from `addLockdownRule` called to its commit returned, by scope. */
  readonly addMs: Readonly<Record<'bucket' | 'all' | 'prefix', number>>
  /** The mass `UPDATE` over the same 1,000,000 rows as the bucket rule, one transaction. */
  readonly updateMs: number
  /** `measureLockdown` (the dry run), by scope. */
  readonly dryRunMs: Readonly<Record<'bucket' | 'all' | 'prefix', number>>
  /** `store.decide` with a bucket rule active: on a covered policy, on one it does not cover. */
  readonly decisionMs: Readonly<Record<'covered' | 'outside', number>>
}

const NO_TAIL_BOUNDS = { maxUnsignedRecords: 1e9, maxUnsignedAgeMs: 1e12 }

/**
 * Time to effect of a lockdown over every policy of a filled store: for a rule on
 * bucket `b` (every object), one on `b` under `incident/` (80 %) and one on `all`, `rounds`
 * times each, `store.addLockdownRule` timed from the call to its commit returned; right after
 * each, a decision on a covered policy must be denied for `lockdown` naming the rule (and, for
 * the prefix rule, one on a `reports/` policy permitted), then the rule is lifted. Next to it the
 * baseline a per-policy design would need: one transaction of
 * `UPDATE policies SET revoked_… WHERE id IN (SELECT policy_id FROM policy_objects WHERE …)` over
 * the same rows, run on a copy of the database made before any rule. Then `measureLockdown`.
 *
 * @param file a database filled by `fillPolicies` with `count` policies (left with lifted rules).
 * @throws Error when a check fails.
 */
export async function benchLockdownEffect(
  file: string,
  count: number,
  rounds: number,
  fillMs: number,
): Promise<LockdownEffect> {
  process.stderr.write('lockdown: time to effect …\n')
  const copy = `${file}.update-baseline`
  copyFileSync(file, copy)
  let updateMs: number
  try {
    updateMs = massUpdate(copy, count)
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true })
  }

  const store = openSqliteStore({ file, tailBounds: NO_TAIL_BOUNDS })
  try {
    const covered = policyIdAt(Math.floor(count / 2)) // under incident/
    const outside = policyIdAt(count - 1) // under archive/
    if (prefixAt(Math.floor(count / 2), count) !== 'incident/') throw new Error('fill layout')
    const scopes: Record<'bucket' | 'all' | 'prefix', Scope> = {
      bucket: { kind: 'bucket', bucket: FILL_BUCKET, prefix: '' },
      all: { kind: 'all' },
      prefix: { kind: 'bucket', bucket: FILL_BUCKET, prefix: 'incident/' },
    }
    const times: Record<string, number[]> = { bucket: [], all: [], prefix: [] }
    const decisions: Record<string, number[]> = { bucket: [], all: [], prefix: [], outside: [] }
    const versionBefore = (await store.getPolicy(covered, { objects: false }))?.version
    for (let round = 0; round < rounds; round++) {
      for (const [name, scope] of Object.entries(scopes)) {
        const headBefore = (await store.auditHead()).size
        const started = performance.now()
        const id = await addRule(store, scope, `bench: lockdown over ${count} policies`)
        times[name]?.push(performance.now() - started)
        let decidedAt = performance.now()
        const denied = await decide(store, covered)
        decisions[name]?.push(performance.now() - decidedAt)
        if (denied.permit || denied.reason !== 'lockdown' || !denied.lockdowns.includes(id)) {
          throw new Error(`lockdown ${name}: a covered policy was not denied for it`)
        }
        if (name === 'prefix') {
          decidedAt = performance.now()
          const permitted = await decide(store, outside)
          decisions.outside?.push(performance.now() - decidedAt)
          if (!permitted.permit) throw new Error('lockdown on incident/: archive/ denied')
        }
        // The rule's transaction appended one record, and each decision one.
        const appended = (await store.auditHead()).size - headBefore
        if (appended !== (name === 'prefix' ? 3 : 2)) throw new Error(`${appended} records`)
        await liftRules(store, [id])
      }
    }
    if ((await store.getPolicy(covered, { objects: false }))?.version !== versionBefore) {
      throw new Error('a lockdown changed a policy')
    }

    const dryRuns: Record<string, number[]> = { bucket: [], all: [], prefix: [] }
    const expected = { bucket: count, all: count, prefix: Math.round(0.8 * count) }
    for (let round = 0; round < rounds; round++) {
      for (const [name, scope] of Object.entries(scopes)) {
        const started = performance.now()
        const reach = await store.measureLockdown(scope)
        dryRuns[name]?.push(performance.now() - started)
        if (reach.policies !== expected[name as keyof typeof expected]) {
          throw new Error(`dry run ${name}: ${reach.policies} policies`)
        }
      }
    }

    const addMs = {
      bucket: median(times.bucket ?? []),
      all: median(times.all ?? []),
      prefix: median(times.prefix ?? []),
    }
    const dryRunMs = {
      bucket: median(dryRuns.bucket ?? []),
      all: median(dryRuns.all ?? []),
      prefix: median(dryRuns.prefix ?? []),
    }
    const max = (name: string) => Math.max(...(times[name] ?? []))
    const n = count.toLocaleString('en')
    const rows: Row[] = [
      {
        what: `mass UPDATE of the ${n} policies' revocation columns, one transaction, on a copy (baseline)`,
        value: updateMs,
        unit: 'ms',
        ratio: 1,
      },
      {
        what: `addLockdownRule bucket \`b\` (all ${n} policies), call → commit returned; max ${max('bucket').toFixed(2)} ms`,
        value: addMs.bucket,
        unit: 'ms',
        ratio: addMs.bucket / updateMs,
        goal: '≤ 50 ms, one commit',
      },
      {
        what: `addLockdownRule \`all\` (${n} policies); max ${max('all').toFixed(2)} ms`,
        value: addMs.all,
        unit: 'ms',
        ratio: addMs.all / updateMs,
        goal: '≤ 50 ms, one commit',
      },
      {
        what: `addLockdownRule bucket \`b\` prefix \`incident/\` (${expected.prefix.toLocaleString('en')} policies); max ${max('prefix').toFixed(2)} ms`,
        value: addMs.prefix,
        unit: 'ms',
        ratio: addMs.prefix / updateMs,
        goal: '≤ 50 ms, one commit',
      },
      {
        what: `store.decide on a covered policy (\`incident/\`) right after the rule on bucket \`b\`: denied`,
        value: median(decisions.bucket ?? []),
        unit: 'ms',
      },
      {
        what: 'same, after the rule on `all`: denied',
        value: median(decisions.all ?? []),
        unit: 'ms',
      },
      {
        what: 'same, after the rule on `b` under `incident/`: denied',
        value: median(decisions.prefix ?? []),
        unit: 'ms',
      },
      {
        what: 'store.decide on a policy under `archive/` while the `incident/` rule is active: permitted',
        value: median(decisions.outside ?? []),
        unit: 'ms',
      },
      { what: 'measureLockdown (dry run) bucket `b`', value: dryRunMs.bucket, unit: 'ms' },
      { what: 'measureLockdown `all`', value: dryRunMs.all, unit: 'ms' },
      { what: 'measureLockdown bucket `b` prefix `incident/`', value: dryRunMs.prefix, unit: 'ms' },
    ]
    printTable(
      `Lockdown over ${n} policies: SQLite file, WAL, synchronous NORMAL (median of ${rounds}; the store filled in ${(fillMs / 1000).toFixed(1)} s by one transaction of prepared INSERTs)`,
      rows,
    )
    process.stdout.write(
      [
        '',
        `- after every rule (${rounds * 3}): a decision on a covered policy denied for \`lockdown\` naming the rule; under \`incident/\`, a policy under \`archive/\` still permitted; one audit record per rule; the policies untouched (version unchanged)`,
        `- the baseline's UPDATE changed ${count.toLocaleString('en')} rows; the rule is one row, whatever it covers`,
        '',
      ].join('\n'),
    )
    const decisionMs = {
      covered: median(decisions.bucket ?? []),
      outside: median(decisions.outside ?? []),
    }
    return { addMs, updateMs, dryRunMs, decisionMs }
  } finally {
    await store.close()
  }
}

async function decide(store: Store, policyId: string): Promise<DecisionSeen> {
  let seen: DecisionSeen | undefined
  await store.decide(
    decisionInput(policyId, (decision) => {
      seen = decision
    }),
  )
  if (seen === undefined) throw new Error('no decision')
  return seen
}

/** The naive lockdown: one UPDATE of every covered policy, one transaction; milliseconds. */
function massUpdate(file: string, count: number): number {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    const update = db.prepare(
      `UPDATE policies SET revoked_by = 'admin@bench.example', revoked_at = ?, revoked_reason = ?,
         version = version + 1
       WHERE id IN (SELECT policy_id FROM policy_objects WHERE bucket = ? AND substr(key, 1, ?) = ?)`,
    )
    const started = performance.now()
    const changed = db
      .transaction(() => update.run(new Date().toISOString(), 'bench', FILL_BUCKET, 0, '').changes)
      .immediate()
    const ms = performance.now() - started
    if (changed !== count) throw new Error(`the mass UPDATE changed ${changed} rows`)
    return ms
  } finally {
    db.close()
  }
}
