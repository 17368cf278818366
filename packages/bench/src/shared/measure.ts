/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * Measures a baseline and candidates in alternation, `rounds` times, so that slow and fast
 * moments of this shared machine hit both alike. Returns the median rate of each and the median
 * of the per-round ratios candidate / baseline.
 */
export async function compareRates(
  rounds: number,
  baseline: () => Promise<number>,
  candidates: Record<string, () => Promise<number>>,
): Promise<{ baseline: number; rates: Record<string, number>; ratios: Record<string, number> }> {
  const base: number[] = []
  const names = Object.keys(candidates)
  const rates: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]))
  const ratios: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(candidates)) {
      const b = await baseline()
      const c = await run()
      base.push(b)
      rates[name]?.push(c)
      ratios[name]?.push(c / b)
    }
  }
  const pick = (from: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(from).map(([name, values]) => [name, median(values)]))
  return { baseline: median(base), rates: pick(rates), ratios: pick(ratios) }
}

/** Megabytes (10^6 bytes) per second for `bytes` moved in `ms` milliseconds. */
export function mbPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000)
}

/** Operations per second: runs `op` repeatedly for `seconds` and counts. */
export async function opsPerSecond(
  seconds: number,
  op: () => unknown | Promise<unknown>,
): Promise<number> {
  for (let i = 0; i < 50; i++) await op()
  const start = performance.now()
  let count = 0
  while (performance.now() - start < seconds * 1000) {
    await op()
    count++
  }
  return count / ((performance.now() - start) / 1000)
}

/** Times one run in milliseconds. */
export async function timeMs(run: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now()
  await run()
  return performance.now() - start
}
