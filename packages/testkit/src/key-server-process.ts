import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LatchProcess, type LatchProcessOptions, startLatchProcess } from './latch-process.js'

/** A `latch server` running as a child process. */
export interface KeyServerProcess extends LatchProcess {
  readonly url: string
  readonly pid: number
  /** The first admin's API token (`DATA/admin.token`); `''` when another instance made it. */
  readonly adminToken: string
  /** The JSON log lines it wrote on stderr so far (warn and above, unless `args` say otherwise). */
  log(): string[]
  /**
   * Peak RSS (`VmHWM`) in MiB, and CPU time (user + system) in seconds so far of the whole
   * process and of its main thread, the event loop's, alone (Linux).
   */
  usage(): { peakRssMiB: number; cpuSeconds: number; mainThreadCpuSeconds: number }
}

/**
 * Starts `latch server --data DIR --port 0 --log-level warn …args` and waits until it listens.
 * A separate process, so that a load generator's CPU and memory are not counted as the server's.
 *
 * @param dataDir The server's data directory.
 * @param args More flags; a later `--log-level` wins.
 * @param options Environment (`LATCH_ROOT_KEY` for instances that share a database), node
 *   arguments (`--cpu-prof`) and the start-up time-out.
 * @returns The running server.
 * @throws Error when it exits before listening, or does not listen within the time-out.
 */
export async function startKeyServerProcess(
  dataDir: string,
  args: readonly string[] = [],
  options: LatchProcessOptions = {},
): Promise<KeyServerProcess> {
  const server = await startLatchProcess(
    ['server', '--data', dataDir, '--port', '0', '--log-level', 'warn', ...args],
    (_out, err) => {
      const url = /listening on (http:\/\/\S+)/.exec(err)?.[1]
      return url === undefined ? undefined : { url }
    },
    options,
  )
  const pid = server.child.pid as number
  const tokenFile = join(dataDir, 'admin.token')
  return Object.assign(server, {
    pid,
    adminToken: existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '',
    log: () =>
      server
        .stderr()
        .split('\n')
        .filter((line) => line.startsWith('{')),
    usage: () => usageOf(pid),
  })
}

/**
 * Stops a key server and requires a clean exit: on SIGTERM the server signs a last checkpoint
 * and exits 0.
 *
 * @param server A running key server.
 * @throws Error when it had exited already, or exits with anything but 0.
 */
export async function stopKeyServer(server: KeyServerProcess): Promise<void> {
  const exitCode = server.child.exitCode
  if (exitCode !== null) throw new Error(`latch server had exited (${exitCode})`)
  const code = await server.stop()
  if (code !== 0) throw new Error(`latch server exited with ${code} on SIGTERM`)
}

let ticksPerSecond: number | undefined

function usageOf(pid: number): {
  peakRssMiB: number
  cpuSeconds: number
  mainThreadCpuSeconds: number
} {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }))
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const hwmKiB = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN)
  return {
    peakRssMiB: hwmKiB / 1024,
    cpuSeconds: cpuTicks(`/proc/${pid}/stat`) / ticksPerSecond,
    // The main thread's task id is the process id.
    mainThreadCpuSeconds: cpuTicks(`/proc/${pid}/task/${pid}/stat`) / ticksPerSecond,
  }
}

function cpuTicks(statFile: string): number {
  // Fields after the command name, which sits in parentheses: utime and stime are 14 and 15.
  const stat = readFileSync(statFile, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

// --- Several instances on one database ---

/** A `latch server` process of a group that shares one database. */
export interface Instance extends KeyServerProcess {
  readonly name: string
  readonly dir: string
}

/** Instances on one database, the shared root key and the first admin's token. */
export interface InstanceGroup {
  readonly database: string
  readonly instances: Instance[]
  readonly adminToken: string
  /** The data directories that received an `admin.token` (exactly one). */
  readonly adminTokenFiles: number
  /** Starts one more instance on the same database (a replacement). */
  start(name: string): Promise<Instance>
  /** SIGKILLs what is still running and deletes the data directories. */
  close(): Promise<void>
}

/**
 * Starts `names.length` instances on `database` at the same moment (the start-up lock makes
 * that safe), each with its own data directory, one root key through `LATCH_ROOT_KEY` and the
 * rate limit out of the way.
 *
 * @param database A PostgreSQL URL.
 * @param names One name per instance (in the data directory's name, and on `Instance`).
 * @param args More flags for every instance.
 * @returns The running group; `close()` it.
 * @throws Error when an instance does not start.
 */
export async function startInstances(
  database: string,
  names: readonly string[],
  args: readonly string[] = [],
): Promise<InstanceGroup> {
  const env = { LATCH_ROOT_KEY: randomBytes(32).toString('hex') }
  const dirs: string[] = []
  const all: Instance[] = []
  const start = async (name: string): Promise<Instance> => {
    const dir = mkdtempSync(join(tmpdir(), `latch-${name}-`))
    dirs.push(dir)
    const server = await startKeyServerProcess(
      dir,
      ['--database', database, '--rate-limit', '1000000000', ...args],
      { env },
    )
    const instance = Object.assign(server, { name, dir })
    all.push(instance)
    return instance
  }
  const close = async () => {
    for (const instance of all) instance.child.kill('SIGKILL')
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
  const instances = await Promise.all(names.map(start)).catch(async (error: unknown) => {
    await close()
    throw error
  })
  const withToken = dirs.filter((d) => existsSync(join(d, 'admin.token')))
  return {
    database,
    instances,
    adminToken: readFileSync(join(withToken[0] as string, 'admin.token'), 'utf8').trim(),
    adminTokenFiles: withToken.length,
    start,
    close,
  }
}
