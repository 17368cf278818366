import {
  type LatchProcess,
  type LatchRun,
  runLatch,
  startLatchProcess,
} from '@latch/testkit/latch-process'

// `latch` as a child process: a command run to completion, and `latch dev`. Key servers start
// with `startKeyServerProcess` of `@latch/testkit/key-server-process`.

/** What a finished `latch` process printed and returned. */
export type CliResult = Omit<LatchRun, 'stdoutBytes'>

/** Runs `latch ARGS` to completion with extra environment variables (and optional stdin). */
export const runCli = runLatch

/** A running `latch dev`, with the environment its export lines set. */
export type DevProcess = LatchProcess & { readonly env: Record<string, string> }

/** Starts `latch dev` on free ports and waits for its export lines. */
export function startDevProcess(dir: string): Promise<DevProcess> {
  return startLatchProcess(['dev', '--data', dir, '--port', '0', '--s3-port', '0'], (out) => {
    if (!out.includes('AWS_REGION')) return undefined
    const lines = [...out.matchAll(/^export (\w+)=(.*)$/gm)]
    return { env: Object.fromEntries(lines.map(([, k, v]) => [k as string, v as string])) }
  })
}
