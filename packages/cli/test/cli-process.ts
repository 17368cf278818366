import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The built CLI (`npm test` builds it first, in its typecheck step). */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

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
      [BIN, ...args],
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

/** A long-running `latch` child process. */
export interface LatchProcess {
  readonly child: ChildProcess
  /** Everything it wrote to stderr so far. */
  stderr(): string
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>
}

/**
 * Starts `latch ARGS` and resolves once `ready` finds what it waits for in the output so far
 * (stdout, stderr); rejects if the process exits first or after 30 s.
 */
function startLatch<T>(
  args: readonly string[],
  ready: (stdout: string, stderr: string) => T | undefined,
  env: Record<string, string> = {},
): Promise<LatchProcess & T> {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  let out = ''
  let err = ''
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`latch ${args[0]} did not start: ${err}`)),
      30_000,
    )
    const check = (): void => {
      const found = ready(out, err)
      if (found === undefined) return
      clearTimeout(timer)
      resolve({
        ...found,
        child,
        stderr: () => err,
        async stop() {
          child.kill('SIGTERM')
          return exited
        },
      })
    }
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      check()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString()
      check()
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`latch ${args[0]} exited with ${code}: ${err}`))
    })
  })
}

/** A running `latch dev`, with the environment its export lines set. */
export type DevProcess = LatchProcess & { readonly env: Record<string, string> }

/** Starts `latch dev` on free ports and waits for its export lines. */
export function startDevProcess(dir: string): Promise<DevProcess> {
  return startLatch(['dev', '--data', dir, '--port', '0', '--s3-port', '0'], (out) => {
    if (!out.includes('AWS_REGION')) return undefined
    const lines = [...out.matchAll(/^export (\w+)=(.*)$/gm)]
    return { env: Object.fromEntries(lines.map(([, k, v]) => [k as string, v as string])) }
  })
}

/** A `latch server` child process. */
export type ServerProcess = LatchProcess & { readonly url: string }

/**
 * Starts `latch server --data DIR --port 0 …extra` (with extra environment variables) and waits
 * until it listens.
 */
export function startServerProcess(
  dir: string,
  extra: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const args = ['server', '--data', dir, '--port', '0', '--log-level', 'warn', ...extra]
  return startLatch(
    args,
    (_out, err) => {
      const url = /listening on (http:\/\/\S+)/.exec(err)?.[1]
      return url === undefined ? undefined : { url }
    },
    env,
  )
}
