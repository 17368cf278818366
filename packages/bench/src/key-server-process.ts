import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url))
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }))

/** A `latch server` running as a child process. */
export interface KeyServerProcess {
  readonly url: string
  readonly pid: number
  /** The first admin's API token (`DATA/admin.token`); `''` when another instance made it. */
  readonly adminToken: string
  /** Peak RSS (`VmHWM`) in MiB and CPU time (user + system) in seconds, so far. */
  usage(): { peakRssMiB: number; cpuSeconds: number }
  /** The JSON log lines the server wrote on stderr. */
  readonly log: string[]
  /** SIGTERM, then waits for the exit (the server signs a last checkpoint); throws unless 0. */
  stop(): Promise<void>
}

/**
 * Starts `node packages/cli/dist/bin.js server --data DIR --port 0 …extraArgs` and waits for its
 * `listening on URL` line on stderr. A separate process, so that the load generator's CPU and
 * memory are not counted as the server's. `nodeArgs` go to node itself (`--cpu-prof`), `env`
 * adds to its environment (`LATCH_ROOT_KEY` for instances that share a database).
 */
export async function startKeyServerProcess(
  dataDir: string,
  extraArgs: readonly string[] = [],
  nodeArgs: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<KeyServerProcess> {
  const args = [...nodeArgs, CLI, 'server', '--data', dataDir, '--port', '0', ...extraArgs]
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  })
  const log: string[] = []
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = ''
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (text: string) => {
      buffered += text
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const listening = /listening on (http:\/\/\S+)/.exec(line)
        if (listening?.[1] !== undefined) resolve(listening[1])
        else if (line.startsWith('{')) log.push(line)
      }
    })
    child.once('exit', (code) =>
      reject(new Error(`latch server exited (${code}) before listening: ${log.join('\n')}`)),
    )
  })
  const pid = child.pid as number
  return {
    url,
    pid,
    adminToken: existsSync(join(dataDir, 'admin.token'))
      ? readFileSync(join(dataDir, 'admin.token'), 'utf8').trim()
      : '',
    log,
    usage: () => usageOf(pid),
    stop: () => stop(child),
  }
}

function usageOf(pid: number): { peakRssMiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const hwmKiB = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN)
  // Fields after the command name, which sits in parentheses: utime and stime are 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return { peakRssMiB: hwmKiB / 1024, cpuSeconds: ticks / TICKS_PER_SECOND }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) throw new Error(`latch server had exited (${child.exitCode})`)
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const code = await exited
  if (code !== 0) throw new Error(`latch server exited with ${code} on SIGTERM`)
}
