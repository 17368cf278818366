import { KeyServerClient, type LockdownScopeInput } from '@latch/client'
import { startKeyServerProcess, stopKeyServer } from '@latch/testkit/key-server-process'
import { prepareReleaseFixture } from '@latch/testkit/release-fixture'
import { type LoadRequest, type LoadResult, runHttpLoad } from '../shared/http-load.js'
import { keyServerAccess } from '../shared/key-server-access.js'
import { median } from '../shared/measure.js'
import { printTable, type Row } from '../shared/report.js'
import type { Scope } from './add-rule.js'
import { FILL_BUCKET } from './fill-policies.js'
import { RULE_COUNTS, RULE_SETS } from './rule-sets.js'

/** Decisions per second and latency percentiles over HTTP, with their ratio to no rule. */
export interface ReleaseFigure {
  readonly rate: number
  readonly p50: number
  readonly p99: number
  /** Median over rounds of rate / the round's rate with no rule. */
  readonly ratio: number
}

/** Figures by rule set name and rule count (`0`: the baseline, under every name). */
export type LockdownRelease = Record<string, Record<number, ReleaseFigure>>

const CONNECTIONS = 50
const WARM_UP_SECONDS = 2
const RATE_LIMIT = 1_000_000_000 // as in key-release.ts: the limit would throttle the load

/**
 * Key release over HTTP with 0, 10 and 100 active lockdown rules that cover none of the asked
 * policies: the key-release harness (`latch server` in its own process, the same
 * fixture, autocannon from 50 connections, `seconds` per run), the fixture's objects registered
 * in bucket `b` under `data/`, so that rules on `b` under other prefixes run their EXISTS. Each
 * run with rules (added through `POST /v1/lockdowns`, lifted after) comes right after a run with
 * none, its baseline, so that this shared machine's slow and fast moments hit both alike; rates
 * are medians over `rounds`, ratios the median of each run over its baseline.
 * The server's data (and its audit chain) stays in `dataDir`.
 *
 * @throws Error when an answer is not the expected 200 or 403 (a rule covered an asked policy).
 */
export async function benchLockdownRelease(
  dataDir: string,
  seconds: number,
  rounds: number,
): Promise<LockdownRelease> {
  process.stderr.write('lockdown: key release over HTTP …\n')
  const server = await startKeyServerProcess(dataDir, ['--rate-limit', String(RATE_LIMIT)])
  try {
    const admin = new KeyServerClient({ server: server.url, token: server.adminToken })
    const fixture = await prepareReleaseFixture(keyServerAccess(server.url), server.adminToken, {
      location: (policy, copy) => ({ bucket: FILL_BUCKET, key: `data/${policy}/${copy}.bin` }),
    })
    const requests: LoadRequest[] = fixture.requests.map((r) => ({
      method: 'POST',
      path: '/v1/rewrap',
      ...r,
    }))
    const load = async (run: number) => {
      const result = await runHttpLoad({
        url: server.url,
        connections: CONNECTIONS,
        requests,
        seconds: run,
      })
      if (result.unexpected + result.errors > 0) {
        throw new Error(
          `lockdown release: ${result.unexpected} unexpected answers, ${result.errors} errors`,
        )
      }
      return result
    }
    await load(WARM_UP_SECONDS)
    await load(WARM_UP_SECONDS)

    const base: LoadResult[] = []
    const runs = new Map<string, { result: LoadResult; ratio: number }[]>()
    for (let round = 0; round < rounds; round++) {
      for (const set of RULE_SETS) {
        for (const count of RULE_COUNTS) {
          if ((await admin.lockdowns()).rules.length !== 0) throw new Error('rules left active')
          const baseline = await load(seconds)
          base.push(baseline)
          const ids: string[] = []
          for (const scope of set.scopes(count)) {
            const rule = await admin.lockdown({ ...scopeInput(scope), reason: 'bench' })
            ids.push(rule.id)
          }
          if ((await admin.lockdowns()).rules.length !== count) throw new Error('rule count')
          const result = await load(seconds)
          const samples = runs.get(`${set.name}:${count}`) ?? []
          runs.set(`${set.name}:${count}`, samples)
          samples.push({ result, ratio: result.rate / baseline.rate })
          for (const id of ids) await admin.liftLockdown(id)
        }
      }
    }
    await fixture.checkRoundTrip()

    const baseFigure: ReleaseFigure = {
      rate: median(base.map((r) => r.rate)),
      p50: median(base.map((r) => r.p50)),
      p99: median(base.map((r) => r.p99)),
      ratio: 1,
    }
    const figures: LockdownRelease = {}
    const rows: Row[] = [row('no active rule (baseline)', baseFigure)]
    for (const set of RULE_SETS) {
      figures[set.name] = { 0: baseFigure }
      for (const count of RULE_COUNTS) {
        const samples = runs.get(`${set.name}:${count}`) ?? []
        const figure: ReleaseFigure = {
          rate: median(samples.map((s) => s.result.rate)),
          p50: median(samples.map((s) => s.result.p50)),
          p99: median(samples.map((s) => s.result.p99)),
          ratio: median(samples.map((s) => s.ratio)),
        }
        ;(figures[set.name] as Record<number, ReleaseFigure>)[count] = figure
        rows.push(row(`${count} rules: ${set.name}`, figure))
      }
    }
    printTable(
      `Key release over HTTP with active lockdown rules that cover none of the asked policies: POST /v1/rewrap, ${CONNECTIONS} connections on loopback, ${fixture.policies} policies with their objects in bucket \`b\` under \`data/\`, 10 % denied, audit on, SQLite (${seconds} s runs, median of ${rounds})`,
      rows,
    )
    process.stdout.write(
      `\n- every answer the expected 200 or 403 in every run; server log lines at warn and above: ${server.log().length}\n`,
    )
    return figures
  } finally {
    await stopKeyServer(server)
  }
}

function row(what: string, figure: ReleaseFigure): Row {
  return {
    what: `${what}; p50 ${figure.p50} ms, p99 ${figure.p99} ms`,
    value: figure.rate,
    unit: 'decisions/s',
    ratio: figure.ratio,
  }
}

function scopeInput(scope: Scope): LockdownScopeInput {
  if (scope.kind === 'all') return { all: true }
  if (scope.kind === 'owner') return { owner: scope.owner }
  return { bucket: scope.bucket, prefix: scope.prefix }
}
