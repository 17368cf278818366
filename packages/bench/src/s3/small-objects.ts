import { compareRates } from '../shared/measure.js'
import { printTable, type Row } from '../shared/report.js'
import { type Breakdown, emptyBreakdown, printBreakdowns, startBreakdown } from './breakdown.js'
import { ceilingRatio } from './ceiling.js'
import type { S3BenchContext } from './context.js'
import { concurrentRate } from './rate.js'
import { prepareSmallOps, type SmallOps } from './small-ops.js'

type OpName = keyof SmallOps['ops']

const WHAT: Record<OpName, string> = {
  plainPut: 'plain PutObject',
  latchPut: 'Latch putObject, a new policy each (one key-server request, node:http)',
  latchPutTwoCalls: 'two-call put (policy, PutObject, registration), node:http',
  latchPutTwoCallsFetch: 'before: two-call put over fetch',
  latchPutExisting: 'Latch putObject under one existing policy (`policyId`)',
  plainGet: 'plain GetObject',
  latchGet: 'Latch getObject (node:http)',
  latchGetFetch: 'before: Latch getObject, key requests over fetch',
}

const GROUPS: readonly { baseline: OpName; candidates: readonly OpName[] }[] = [
  {
    baseline: 'plainPut',
    candidates: ['latchPut', 'latchPutTwoCalls', 'latchPutTwoCallsFetch', 'latchPutExisting'],
  },
  { baseline: 'plainGet', candidates: ['latchGet', 'latchGetFetch'] },
]

/**
 * 1 KiB objects: puts and gets per second, one at a time and `concurrency` at once, encrypted
 * (`putObject`, which creates a policy and registers the object on the key server; `getObject`,
 * which asks the key server for the key) next to plain `PutObject`/`GetObject` with the same SDK
 * settings, in `rounds` alternating rounds of `seconds` each. Then where the time of each goes:
 * each S3 command and key-server request timed, and the CPU per operation of this client, the key
 * server and the S3 server.
 */
export async function benchS3SmallObjects(
  context: S3BenchContext,
  seconds: number,
  rounds: number,
  concurrency: number,
): Promise<void> {
  const { endpoint } = context
  process.stderr.write(`S3 ${endpoint.name}: 1 KiB objects …\n`)
  const { ops, timers } = await prepareSmallOps(context)
  const processes = { keyServer: [context.keyServerPid], s3Server: endpoint.pids }
  const breakdowns = new Map<string, Breakdown>()
  const how = (at: number) => (at === 1 ? 'one at a time' : `${at} at once`)
  const timed = (name: OpName, at: number) => async () => {
    const label = `${WHAT[name]}, ${how(at)}`
    const into = breakdowns.get(label) ?? emptyBreakdown()
    breakdowns.set(label, into)
    let finish: ReturnType<typeof startBreakdown> | undefined
    const timer = name.startsWith('plain') ? timers.plain : timers.latch
    const run = await concurrentRate(seconds, at, ops[name], () => {
      finish = startBreakdown(into, [timer], processes)
    })
    finish?.(run, at)
    return run.rate
  }
  const rows: Row[] = []
  for (const { baseline, candidates } of GROUPS) {
    const unit = baseline === 'plainPut' ? 'puts/s' : 'gets/s'
    for (const at of [1, concurrency]) {
      const result = await compareRates(
        rounds,
        timed(baseline, at),
        Object.fromEntries(candidates.map((name) => [name, timed(name, at)])),
      )
      rows.push({
        what: `${WHAT[baseline]}, ${how(at)} (baseline)`,
        value: result.baseline,
        unit,
        ratio: 1,
      })
      for (const name of candidates) {
        const goal = name === 'latchPut' || name === 'latchGet'
        rows.push({
          what: `${WHAT[name]}, ${how(at)}`,
          value: result.rates[name] ?? 0,
          unit,
          ratio: result.ratios[name] ?? 0,
          ...(goal ? { goal: '≥ 0.8×' } : {}),
        })
        const of = (op: OpName) => breakdowns.get(`${WHAT[op]}, ${how(at)}`) ?? emptyBreakdown()
        const ceiling = goal ? ceilingRatio(of(baseline), of(name), at) : undefined
        if (ceiling !== undefined) {
          rows.push({
            what:
              at === 1
                ? '… its ceiling, Latch’s client code free: the plain time plus its key-server round trips'
                : '… its ceiling, Latch’s client code free: the plain CPU (client + S3 server) plus its key server’s CPU',
            value: ceiling,
            unit: '× plain',
          })
        }
      }
    }
  }
  printTable(
    `${endpoint.name}: 1 KiB objects, the key server in its own process on this machine (medians of ${rounds} alternating rounds of ${seconds} s; the S3 server, the key server and this client share the 2 cores)`,
    rows,
  )
  printBreakdowns(
    `${endpoint.name}: where a 1 KiB operation's time goes (sums over the timed runs; key-server calls timed to their answer's headers)`,
    [...breakdowns],
  )
}
