import { spawnSync } from 'node:child_process'
import { LATCH_BIN } from '@latch/testkit/latch-process'
import { median } from '../shared/measure.js'
import { printTable } from '../shared/report.js'

/** Wall time of one child process, in ms; it must exit 0. */
function timeRun(args: readonly string[]): number {
  const started = performance.now()
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' })
  const elapsed = performance.now() - started
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`)
  return elapsed
}

/**
 * How long a `latch` command takes before it does anything: `latch --version` and
 * `latch put --help` (which loads every command's module), next to `node -e 0` started the same
 * way, median of `rounds` alternating runs. Every command pays this start.
 */
export function benchCliStart(rounds: number): void {
  process.stderr.write(`latch start-up, ${rounds} rounds …\n`)
  const forms = {
    bare: ['-e', '0'],
    version: [LATCH_BIN, '--version'],
    help: [LATCH_BIN, 'put', '--help'],
  } as const
  const times: Record<keyof typeof forms, number[]> = { bare: [], version: [], help: [] }
  for (let round = 0; round < rounds; round++) {
    const order = Object.keys(forms) as (keyof typeof forms)[]
    if (round % 2 === 1) order.reverse()
    for (const form of order) times[form].push(timeRun(forms[form]))
  }
  const bare = median(times.bare)
  const row = (what: string, form: keyof typeof forms) => {
    const value = median(times[form])
    return {
      what: `${what} (+${Math.round(value - bare)} ms)`,
      value,
      unit: 'ms',
      ratio: value / bare,
    }
  }
  printTable(
    `latch start-up (wall time of a child process, median of ${rounds} alternating runs)`,
    [
      { what: '`node -e 0` (baseline)', value: bare, unit: 'ms', ratio: 1 },
      row('`latch --version`', 'version'),
      row('`latch put --help`', 'help'),
    ],
  )
}
