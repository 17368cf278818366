import type { Breakdown } from './breakdown.js'

// Key-server requests are timed by method and path (`POST /v1/rewrap`), S3 commands by name.
const KEY_SERVER_CALL = /^[A-Z]+ \//

/**
 * The most a Latch operation could reach as a ratio to its plain baseline if Latch's code in the
 * client cost nothing, with the key server as this run measured it. One at a time, an operation
 * takes at least the plain one's time plus its key-server round trips, which run in series with
 * the S3 call. Several at once, with the client, the key server and the S3 server on the same
 * busy cores, the rate is at most the plain operation's CPU (all three processes) over that plus
 * the key server's CPU per Latch operation.
 *
 * @returns the ratio, or `undefined` when either breakdown has no operations.
 */
export function ceilingRatio(
  baseline: Breakdown,
  candidate: Breakdown,
  concurrency: number,
): number | undefined {
  if (baseline.ops === 0 || candidate.ops === 0) return undefined
  if (concurrency > 1) {
    const plainCpu =
      (baseline.clientCpu + baseline.keyServerCpu + baseline.s3ServerCpu) / baseline.ops
    return plainCpu / (plainCpu + candidate.keyServerCpu / candidate.ops)
  }
  const plainMs = (baseline.busySeconds * 1000) / baseline.ops
  let keyServerMs = 0
  for (const [name, stats] of candidate.calls) {
    if (KEY_SERVER_CALL.test(name)) keyServerMs += stats.totalMs / candidate.ops
  }
  return plainMs / (plainMs + keyServerMs)
}
