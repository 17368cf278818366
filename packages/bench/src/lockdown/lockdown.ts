import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AUDIT_TIME_TOLERANCE_MS } from '@latch/audit'
import { benchAuditVerify } from '../audit/audit-verify.js'
import { benchFileReport } from '../audit/file-report-time.js'
import { fillAuditLog } from '../audit/fill-audit-log.js'
import { printTable, type Row } from '../shared/report.js'
import { benchDecisionCost } from './decision-cost.js'
import { fillPolicies } from './fill-policies.js'
import { benchLockdownEffect } from './lockdown-effect.js'
import { benchLockdownRelease } from './lockdown-release.js'
import { RULE_COUNTS, RULE_SETS } from './rule-sets.js'

/** Sizes of {@link benchLockdown}. */
export interface LockdownBenchOptions {
  /** Policies in the filled store (BENCH_LOCKDOWN_POLICIES, default 1,000,000). */
  readonly policies: number
  /** Records in the audit log verified and reported on (BENCH_LOCKDOWN_RECORDS, 1,000,000). */
  readonly auditRecords: number
  /** Length of each HTTP load run (BENCH_LOCKDOWN_SECONDS, default 5). */
  readonly seconds: number
  readonly rounds: number
}

const SMALL_STORE = 1000
const CHECKPOINT_EVERY = 10_000
const REPORT_WINDOW = 10_000
const REPORT_POLICY = 'pol_report_target'
/** One record in this many of the audit fill is about the reported file: a few dozen in 10^6. */
const REPORT_EVERY = 25_000

/**
 * Incident lockdown, `BENCH_ONLY=lockdown`: (1) the time to effect of one lockdown rule
 * over 1,000,000 policies next to a mass UPDATE of the same rows, and the dry run; (2) key-release
 * decisions with 0, 10 and 100 active rules that cover none of the asked policies, over HTTP and
 * per decision in the store (on 1,000 and on 1,000,000 objects in the asked policies' bucket);
 * (3) the audit verifier on the resulting 1,000,000-record log (`benchAuditVerify`); (4) the time
 * of a one-file report (`buildFileReport`) over that log, for the whole log and for 10,000
 * records. Each part prints its table; a summary of the headline figures ends the section.
 *
 * @throws Error when any check of the parts fails.
 */
export async function benchLockdown(options: LockdownBenchOptions): Promise<void> {
  const { rounds } = options
  const started = performance.now()
  const dir = mkdtempSync(join(tmpdir(), 'latch-lockdown-'))
  try {
    process.stdout.write('\n## Incident lockdown\n')
    process.stderr.write(`lockdown: filling ${options.policies.toLocaleString('en')} policies …\n`)
    const big = join(dir, 'policies.db')
    const fillMs = await fillPolicies(big, options.policies)
    const effect = await benchLockdownEffect(big, options.policies, rounds, fillMs)
    const small = join(dir, 'small.db')
    await fillPolicies(small, SMALL_STORE)
    const smallCost = await benchDecisionCost({ file: small, count: SMALL_STORE }, rounds)
    const bigCost = await benchDecisionCost({ file: big, count: options.policies }, rounds)
    for (const file of [big, small]) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true })
    }

    const dataDir = join(dir, 'server')
    const release = await benchLockdownRelease(dataDir, options.seconds, rounds)

    process.stderr.write(
      `lockdown: audit log to ${options.auditRecords.toLocaleString('en')} records …\n`,
    )
    let reportEvents = 0
    const fillStarted = performance.now()
    const filled = await fillAuditLog(dataDir, options.auditRecords, {
      checkpointEvery: CHECKPOINT_EVERY,
      signAfterMs: AUDIT_TIME_TOLERANCE_MS + 500,
      // The copies keep their policies (the fixture's four), but one in REPORT_EVERY names the
      // reported file's instead.
      rewrite: (draft, n) => {
        if (n % REPORT_EVERY !== REPORT_EVERY / 2) return draft
        reportEvents++
        return { ...draft, policy_id: REPORT_POLICY }
      },
    })
    const auditFillSeconds = (performance.now() - fillStarted) / 1000
    const verify = await benchAuditVerify(dataDir, rounds, filled)
    const reports = await benchFileReport({
      dataDir,
      key: verify.key,
      policyId: REPORT_POLICY,
      expectedEvents: reportEvents,
      windowRecords: REPORT_WINDOW,
      rounds,
      verifyMs: (verify.records / verify.rate) * 1000,
    })

    const [other, same] = RULE_SETS.map((set) => set.name) as [string, string]
    const most = Math.max(...RULE_COUNTS)
    const n = options.policies.toLocaleString('en')
    const rows: Row[] = [
      {
        what: `mass UPDATE revoking ${n} policies, one transaction (baseline of the next two)`,
        value: effect.updateMs,
        unit: 'ms',
        ratio: 1,
      },
      {
        what: `lockdown rule on bucket \`b\` (${n} policies): call → commit returned`,
        value: effect.addMs.bucket,
        unit: 'ms',
        ratio: effect.addMs.bucket / effect.updateMs,
        goal: '≤ 50 ms, one commit',
      },
      {
        what: `lockdown rule on \`all\` (${n} policies)`,
        value: effect.addMs.all,
        unit: 'ms',
        ratio: effect.addMs.all / effect.updateMs,
        goal: '≤ 50 ms, one commit',
      },
      {
        what: `dry run (measureLockdown) bucket \`b\`, ${n}`,
        value: effect.dryRunMs.bucket,
        unit: 'ms',
      },
      { what: `dry run \`all\`, ${n}`, value: effect.dryRunMs.all, unit: 'ms' },
    ]
    for (const [name, label] of [
      [other, 'other buckets/owners'],
      [same, 'same bucket, other prefixes'],
    ] as const) {
      for (const count of [0, ...RULE_COUNTS]) {
        if (count === 0 && name === same) continue
        const figure = release[name]?.[count]
        if (figure === undefined) continue
        rows.push({
          what: `HTTP decisions, ${count === 0 ? 'no rule (baseline)' : `${count} rules, ${label}`}; p50 ${figure.p50} ms, p99 ${figure.p99} ms`,
          value: figure.rate,
          unit: 'decisions/s',
          ratio: figure.ratio,
        })
      }
    }
    for (const [cost, objects] of [
      [smallCost, SMALL_STORE],
      [bigCost, options.policies],
    ] as const) {
      for (const [name, label] of [
        [other, 'other buckets/owners'],
        [same, 'same bucket'],
      ] as const) {
        for (const count of [0, most]) {
          if (count === 0 && name === same) continue
          const figure = cost[name]?.[count]
          if (figure === undefined) continue
          rows.push({
            what: `store.decide, ${objects.toLocaleString('en')} objects in the bucket, ${count === 0 ? 'no rule (baseline)' : `${count} rules, ${label}`}`,
            value: figure.us,
            unit: 'µs',
            ratio: figure.ratio,
          })
        }
      }
    }
    rows.push({
      what: `audit verification (verifyStore), ${verify.records.toLocaleString('en')} records`,
      value: verify.rate,
      unit: 'records/s',
      ratio: verify.ratio,
      goal: '≥ 250,000/s',
    })
    for (const report of reports) {
      rows.push({
        what: `file report, ${report.what}: ${report.scanned.toLocaleString('en')} records read`,
        value: report.ms,
        unit: 'ms',
      })
    }
    printTable(
      'Incident lockdown, summary (ratios as in the tables above: vs the mass UPDATE, vs no rule, vs raw SHA-256)',
      rows,
    )
    process.stdout.write(
      `\n- fills: ${n} policies in ${(fillMs / 1000).toFixed(1)} s (one transaction of prepared INSERTs); the audit log grown by ${filled.toLocaleString('en')} records in ${auditFillSeconds.toFixed(0)} s (\`store.appendAudit\`, one transaction each, a checkpoint every ${CHECKPOINT_EVERY.toLocaleString('en')}); the section took ${((performance.now() - started) / 60_000).toFixed(1)} min\n`,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
