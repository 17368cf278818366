import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// Errors here are plain `Error`s, not `ProjectError`s: this is test set-up, its failures are never
// mapped to a status or an exit code, and a code would have to join the documented public codes.

/** A real S3 endpoint for tests (`*.integration.test.ts`), and how to let it go. */
export interface S3TestEndpoint {
  /** The S3 URL, e.g. `http://127.0.0.1:7490`. Use it with `forcePathStyle: true`. */
  readonly endpoint: string
  /** The access key id of the test user. */
  readonly accessKeyId: string
  /** The secret key of the test user. */
  readonly secretAccessKey: string
  /** The region to sign for (`us-east-1`). */
  readonly region: string
  /** Stops the gateway if this call started it; otherwise does nothing. Safe to call twice. */
  stop(): Promise<void>
}

/** Where and on which port to run the gateway. */
export interface CephRgwOptions {
  /** The state folder; wiped on start and on stop. Default `/tmp/latch-rgw-<port>`. */
  dir?: string
  /** The S3 port on 127.0.0.1; the Ceph monitor takes `port + 1`. Default 7490. */
  port?: number
}

const SCRIPTS = new URL('../../../scripts/ceph-rgw/', import.meta.url)
const DEFAULT_PORT = 7490

/**
 * Starts a one-node Ceph RADOS Gateway (Debian's `radosgw` 16.2) on 127.0.0.1 with
 * `scripts/ceph-rgw/start-rgw.sh`, and returns its endpoint and the test user's keys. The first
 * run on a machine installs the Ceph packages with apt (about 30 s, 61 MB; as root, or through
 * sudo); after that a cold start takes about 1.5–2.5 s. If a gateway started by the script is
 * already up in `dir` on `port`, it is used as it is, and `stop()` stops it all the same.
 *
 * Ceph 16.2 gaps a client must allow for (see `scripts/ceph-rgw/README.md`): stream bodies need
 * `requestChecksumCalculation: 'WHEN_REQUIRED'`, and CompleteMultipartUpload answers with an
 * empty ETag.
 *
 * @param options - the state folder and the S3 port (default `/tmp/latch-rgw-7490`, 7490)
 * @returns the endpoint, the keys, the region, and `stop()`, which runs `stop-rgw.sh` (it kills
 *   the daemons, so all stored objects are gone, and wipes `dir`)
 * @throws Error when the packages cannot be installed, a port is taken, or a daemon does not
 *   come up in time; the script's log lines are in the message and the logs stay in `dir/log`
 * @example
 * ```ts
 * const s3 = await startCephRgw({ port: 7500 })
 * const client = new S3Client({
 *   endpoint: s3.endpoint,
 *   region: s3.region,
 *   credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
 *   forcePathStyle: true,
 *   requestChecksumCalculation: 'WHEN_REQUIRED',
 *   responseChecksumValidation: 'WHEN_REQUIRED',
 * })
 * // …
 * await s3.stop()
 * ```
 */
export async function startCephRgw(options: CephRgwOptions = {}): Promise<S3TestEndpoint> {
  const { endpoint, stop } = await runStart(options)
  return { ...endpoint, stop }
}

const shared = new Map<string, Promise<S3TestEndpoint>>()

/**
 * The S3 endpoint for the integration tests, for a vitest global set-up. When
 * `LATCH_TEST_S3_ENDPOINT` is set (`.ci/run` sets it, with `LATCH_TEST_S3_ACCESS_KEY`,
 * `LATCH_TEST_S3_SECRET_KEY` and `LATCH_TEST_S3_REGION`), it returns that endpoint and `stop()`
 * does nothing. Otherwise it starts a gateway like {@link startCephRgw} (default
 * `/tmp/latch-rgw-7490`, port 7490), so **the first local run installs the Ceph packages with
 * apt** (about 30 s; needs root or sudo). A gateway already up in that folder is reused and left
 * running by `stop()`, so one started by hand (`scripts/ceph-rgw/start-rgw.sh
 * /tmp/latch-rgw-7490 7490`) survives between test runs. Calls in one process with the same
 * folder share one start.
 *
 * @param options - the state folder and port when it starts a gateway itself
 * @returns the endpoint, the keys, the region, and `stop()`
 * @throws Error when `LATCH_TEST_S3_ENDPOINT` is set without both keys, or as
 *   {@link startCephRgw} does
 * @example
 * ```ts
 * // a vitest globalSetup file for the `integration` project
 * import type { TestProject } from 'vitest/node'
 * import { s3TestEndpoint } from '@latch/testkit'
 *
 * export default async function setup(project: TestProject) {
 *   const { stop, ...s3 } = await s3TestEndpoint()
 *   project.provide('s3', s3) // tests: inject('s3'), typed through vitest's ProvidedContext
 *   return stop
 * }
 * ```
 */
export async function s3TestEndpoint(options: CephRgwOptions = {}): Promise<S3TestEndpoint> {
  const fromEnv = endpointFromEnv()
  if (fromEnv !== undefined) return fromEnv
  const { dir } = settings(options)
  let pending = shared.get(dir)
  if (pending === undefined) {
    pending = runStart(options).then(({ endpoint, stop, reused }) => ({
      ...endpoint,
      stop: async () => {
        shared.delete(dir)
        if (!reused) await stop()
      },
    }))
    shared.set(dir, pending)
    pending.catch(() => shared.delete(dir))
  }
  return pending
}

// --- Internals ---

type Endpoint = Omit<S3TestEndpoint, 'stop'>

function endpointFromEnv(): S3TestEndpoint | undefined {
  const { env } = process
  const endpoint = env.LATCH_TEST_S3_ENDPOINT
  if (endpoint === undefined || endpoint === '') return undefined
  const accessKeyId = env.LATCH_TEST_S3_ACCESS_KEY
  const secretAccessKey = env.LATCH_TEST_S3_SECRET_KEY
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      'LATCH_TEST_S3_ENDPOINT is set, but LATCH_TEST_S3_ACCESS_KEY or LATCH_TEST_S3_SECRET_KEY is not',
    )
  }
  const region = env.LATCH_TEST_S3_REGION || 'us-east-1'
  return { endpoint, accessKeyId, secretAccessKey, region, stop: async () => {} }
}

function settings(options: CephRgwOptions): { dir: string; port: number } {
  const port = options.port ?? DEFAULT_PORT
  // Ceph's admin socket paths must fit in 107 bytes, so the default folder is short
  return { dir: options.dir ?? `/tmp/latch-rgw-${port}`, port }
}

async function runStart(
  options: CephRgwOptions,
): Promise<{ endpoint: Endpoint; stop: () => Promise<void>; reused: boolean }> {
  const { dir, port } = settings(options)
  const { stdout, stderr } = await runScript('start-rgw.sh', [dir, String(port)])
  const vars = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) vars.set(line.slice(0, eq), line.slice(eq + 1))
  }
  const get = (name: string): string => {
    const value = vars.get(name)
    if (!value) throw new Error(`start-rgw.sh printed no ${name}; it printed:\n${stdout}`)
    return value
  }
  const endpoint: Endpoint = {
    endpoint: get('S3_ENDPOINT'),
    accessKeyId: get('S3_ACCESS_KEY'),
    secretAccessKey: get('S3_SECRET_KEY'),
    region: get('S3_REGION'),
  }
  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= runScript('stop-rgw.sh', [dir]).then(() => {})
    return stopping
  }
  return { endpoint, stop, reused: /already running in /.test(stderr) }
}

/** Runs a script of `scripts/ceph-rgw/`, passing its log lines (stderr) through. */
function runScript(name: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const path = fileURLToPath(new URL(name, SCRIPTS))
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
      process.stderr.write(chunk)
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr })
      else reject(new Error(`${name} ${args.join(' ')} failed (${signal ?? code}):\n${stderr}`))
    })
  })
}
