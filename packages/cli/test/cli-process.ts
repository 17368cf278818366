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

/** Runs `latch ARGS` to completion with extra environment variables. */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, LATCH_DEBUG: '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 70
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** A `latch server` child process. */
export interface ServerProcess {
  readonly url: string
  readonly child: ChildProcess
  /** Everything the server wrote to stderr so far. */
  stderr(): string
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>
}

/** Starts `latch server --data DIR --port 0` and waits until it listens. */
export function startServerProcess(
  dir: string,
  extra: readonly string[] = [],
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'server', '--data', dir, '--port', '0', '--log-level', 'warn', ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let err = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 30_000)
    child.stderr?.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(err)
      if (match?.[1] === undefined) return
      clearTimeout(timer)
      resolve({
        url: match[1],
        child,
        stderr: () => err,
        async stop() {
          child.kill('SIGTERM')
          return exited
        },
      })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}: ${err}`))
    })
  })
}
