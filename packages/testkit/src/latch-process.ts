import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * The built `latch` CLI, `packages/cli/dist/bin.js` (`npm test` and `npm run bench` build it
 * first). Tests and benchmarks start it by path: the testkit imports neither the CLI nor the
 * server.
 */
export const LATCH_BIN: string = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url))

/** A long-running `latch` child process. */
export interface LatchProcess {
  readonly child: ChildProcess
  /** Everything it wrote to stderr so far. */
  stderr(): string
  /** SIGTERM, then resolves with the exit code once it exits (`null` if a signal ended it). */
  stop(): Promise<number | null>
}

/** Options of {@link startLatchProcess}. */
export interface LatchProcessOptions {
  /** Added to the environment of this process. */
  readonly env?: Readonly<Record<string, string>>
  /** Arguments to node itself, before the CLI's path (`--cpu-prof`). */
  readonly nodeArgs?: readonly string[]
  /** How long to wait for `ready`; default 30 s. */
  readonly timeoutMs?: number
}

/**
 * Starts `node [nodeArgs] LATCH_BIN ARGS` and resolves once `ready` finds what it waits for in
 * the output so far (stdout, stderr), with what it found added to the process.
 *
 * @param args The CLI's arguments, command first (`['server', '--data', DIR]`).
 * @param ready What the caller waits for in the output; `undefined` while it is not there yet.
 * @param options Environment, node arguments and the start-up time-out.
 * @returns The running process, with `ready`'s result.
 * @throws Error when the process exits before `ready` finds its answer, or after the time-out
 *   (the process is then killed).
 */
export function startLatchProcess<T extends object>(
  args: readonly string[],
  ready: (stdout: string, stderr: string) => T | undefined,
  options: LatchProcessOptions = {},
): Promise<LatchProcess & T> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), LATCH_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  })
  let out = ''
  let err = ''
  let started = false
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`latch ${args[0]} did not start: ${err}`))
    }, options.timeoutMs ?? 30_000)
    const check = (): void => {
      if (started) return
      const found = ready(out, err)
      if (found === undefined) return
      started = true
      clearTimeout(timer)
      resolve({
        ...found,
        child,
        stderr: () => err,
        stop() {
          child.kill('SIGTERM')
          return exited
        },
      })
    }
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (text: string) => {
      out += text
      check()
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (text: string) => {
      err += text
      check()
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (!started) reject(new Error(`latch ${args[0]} exited with ${code}: ${err}`))
    })
  })
}

/** What a finished `latch` process printed and returned. */
export interface LatchRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly stdoutBytes: Buffer
}

/**
 * Runs `latch ARGS` to completion (the built CLI, {@link LATCH_BIN}) with extra environment
 * variables and optional standard input.
 *
 * @param args The CLI's arguments, command first.
 * @param env Added to the environment (`LATCH_DEBUG` is cleared unless given).
 * @param stdin Written to its standard input, which is then closed.
 * @returns Its exit code (70 when it could not run) and output.
 */
export function runLatch(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  stdin?: Uint8Array | string,
): Promise<LatchRun> {
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
