import type { CallStats, CallTimer } from './call-timer.js'
import { cpuSecondsOf } from './cpu.js'

/** Where the time of one kind of operation went, summed over the timed runs. */
export interface Breakdown {
  ops: number
  /** Wall seconds × concurrency: the time the operations were in flight. */
  busySeconds: number
  readonly calls: Map<string, CallStats>
  clientCpu: number
  keyServerCpu: number
  s3ServerCpu: number
}

/** The processes whose CPU time a breakdown counts besides this one. */
export interface BreakdownProcesses {
  readonly keyServer: readonly number[]
  readonly s3Server: readonly number[]
}

/** An empty breakdown. */
export function emptyBreakdown(): Breakdown {
  return { ops: 0, busySeconds: 0, calls: new Map(), clientCpu: 0, keyServerCpu: 0, s3ServerCpu: 0 }
}

/**
 * Starts counting CPU time; the returned function adds the run's operations, its calls (taken
 * from `timers`) and the CPU used since, to `into`.
 */
export function startBreakdown(
  into: Breakdown,
  timers: readonly CallTimer[],
  processes: BreakdownProcesses,
): (run: { ops: number; seconds: number }, concurrency: number) => void {
  for (const timer of timers) timer.take()
  const client = process.cpuUsage()
  const keyServer = cpuSecondsOf(processes.keyServer)
  const s3Server = cpuSecondsOf(processes.s3Server)
  return (run, concurrency) => {
    const used = process.cpuUsage(client)
    into.clientCpu += (used.user + used.system) / 1e6
    into.keyServerCpu += cpuSecondsOf(processes.keyServer) - keyServer
    into.s3ServerCpu += cpuSecondsOf(processes.s3Server) - s3Server
    into.ops += run.ops
    into.busySeconds += run.seconds * concurrency
    for (const timer of timers) {
      for (const [name, stats] of timer.take()) {
        const sum = into.calls.get(name) ?? { count: 0, totalMs: 0 }
        sum.count += stats.count
        sum.totalMs += stats.totalMs
        into.calls.set(name, sum)
      }
    }
  }
}

/**
 * Prints breakdowns as a markdown table: latency per operation, each call's count and mean time
 * per operation, the time outside the calls, and the CPU per operation of this client, the key
 * server and the S3 server.
 */
export function printBreakdowns(title: string, rows: readonly [string, Breakdown][]): void {
  const lines = [
    `\n### ${title}\n`,
    '| operation | ms per op | calls per op: mean ms each | outside the calls | CPU µs per op: client / key server / S3 server |',
    '| --- | ---: | --- | ---: | ---: |',
  ]
  for (const [what, b] of rows) {
    if (b.ops === 0) continue
    const perOp = (b.busySeconds * 1000) / b.ops
    let inCalls = 0
    const calls = [...b.calls]
      .map(([name, s]) => {
        inCalls += s.totalMs / b.ops
        return `${name} ×${(s.count / b.ops).toFixed(2)}: ${(s.totalMs / s.count).toFixed(2)}`
      })
      .join('; ')
    const us = (seconds: number) => Math.round((seconds / b.ops) * 1e6)
    lines.push(
      `| ${what} | ${perOp.toFixed(2)} | ${calls} | ${(perOp - inCalls).toFixed(2)} | ${us(b.clientCpu)} / ${us(b.keyServerCpu)} / ${us(b.s3ServerCpu)} |`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}
