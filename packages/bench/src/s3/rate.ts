/** What one timed run of {@link concurrentRate} did. */
export interface RateRun {
  /** Operations per second. */
  readonly rate: number
  readonly ops: number
  readonly seconds: number
}

/**
 * Runs `op` from `concurrency` loops at once for `seconds` (after 20 warm-up calls one at a time)
 * and counts the calls that finished; the time runs until the last loop's call ends.
 * `onStart` is called as the timed part begins (to reset counters).
 */
export async function concurrentRate(
  seconds: number,
  concurrency: number,
  op: (n: number) => Promise<unknown>,
  onStart: () => void = () => undefined,
): Promise<RateRun> {
  let n = 0
  for (let i = 0; i < 20; i++) await op(n++)
  onStart()
  const start = performance.now()
  const deadline = start + seconds * 1000
  let ops = 0
  const loop = async () => {
    while (performance.now() < deadline) {
      await op(n++)
      ops++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  const elapsed = (performance.now() - start) / 1000
  return { rate: ops / elapsed, ops, seconds: elapsed }
}
