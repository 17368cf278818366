import { execFile } from 'node:child_process'
import { LATCH_BIN, type LatchProcess, startLatchProcess } from '@latch/testkit/latch-process'

// `latch` as a child process: a command run to completion, and `latch dev`. Key servers start
// with `startKeyServerProcess` of `@latch/testkit/key-server-process`.

/** What a finished `latch` process printed and returned. */
export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `latch ARGS` to completion with extra environment variables (and optional stdin). */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  stdin?: Uint8Array | string,
): Promise<CliResult & { stdoutBytes: Buffer }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [LATCH_BIN, ...args],
      {
        env: { ...process.env, LATCH_DEBUG: '', ...env },
        timeout: 120_000,
        encoding: 'buffer',
        maxBuffer: 1 << 30,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 70
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString(), stdoutBytes: stdout })
      },
    )
    child.stdin?.end(stdin)
  })
}

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
