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

/** A running `latch dev`, with the environment its export lines set. */
export interface DevProcess {
  readonly env: Record<string, string>
  readonly child: ChildProcess
  stop(): Promise<number | null>
}

/** Starts `latch dev` on free ports and waits for its export lines. */
export function startDevProcess(dir: string): Promise<DevProcess> {
  const child = spawn(
    process.execPath,
    [BIN, 'dev', '--data', dir, '--port', '0', '--s3-port', '0'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  let err = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`latch dev did not start: ${err}`)), 30_000)
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (!out.includes('AWS_REGION')) return
      clearTimeout(timer)
      const lines = [...out.matchAll(/^export (\w+)=(.*)$/gm)]
      const env = Object.fromEntries(lines.map(([, k, v]) => [k as string, v as string]))
      resolve({
        env,
        child,
        async stop() {
          child.kill('SIGTERM')
          return exited
        },
      })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`latch dev exited with ${code}: ${err}`))
    })
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
