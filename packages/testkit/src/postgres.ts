import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

// Errors here are plain `Error`s, as in ceph-rgw.ts: test set-up, never mapped to a code.

/** A PostgreSQL cluster started for tests by `scripts/postgres/start-postgres.sh`. */
export interface PostgresCluster {
  /** The superuser's URL, e.g. `postgres://postgres@127.0.0.1:5499/postgres`. */
  readonly url: string
  /** Creates an empty database `latch_<random>` and returns its URL. */
  createDatabase(): Promise<string>
  /** `pg_ctl stop -m immediate`: a crash, as far as the clients can tell; the files stay. */
  crash(): Promise<void>
  /** Starts the cluster again after {@link PostgresCluster.crash} (crash recovery runs). */
  restart(): Promise<void>
  /** Stops the cluster and deletes its files. Safe to call twice. */
  stop(): Promise<void>
}

/** The shared test server: created databases, and `stop()`, which stops it only if it was started here. */
export interface PostgresTestServer {
  readonly url: string
  createDatabase(): Promise<string>
  stop(): Promise<void>
}

/** Where and how to run a cluster. */
export interface PostgresClusterOptions {
  /** Port on 127.0.0.1; default a free one. */
  readonly port?: number
  /** Keep fsync on (the benchmark); default off (test speed; commits still survive a crash). */
  readonly fsync?: boolean
}

const SCRIPTS = new URL('../../../scripts/postgres/', import.meta.url)

/**
 * Starts a throw-away PostgreSQL cluster (Debian's package; installed with apt on first use) on
 * 127.0.0.1 with its socket in a temporary folder, trust authentication, and fsync off unless
 * asked. As root it runs as the `postgres` user. A cold start takes about a second.
 *
 * @throws Error when the package is missing and cannot be installed, or the cluster does not
 *   start (its log is in the message).
 * @example
 * ```ts
 * const cluster = await startPostgresCluster()
 * const url = await cluster.createDatabase()
 * // … openPostgresStore({ url, … })
 * await cluster.stop()
 * ```
 */
export async function startPostgresCluster(
  options: PostgresClusterOptions = {},
): Promise<PostgresCluster> {
  const dir = mkdtempSync('/tmp/latch-pg.')
  const port = options.port ?? (await freePort())
  const env = { ...process.env, PG_FSYNC: options.fsync === true ? 'on' : 'off' }
  const start = async () => {
    const { stdout } = await runScript('start-postgres.sh', [dir, String(port)], env)
    const url = /^PG_URL=(.+)$/m.exec(stdout)?.[1]
    if (url === undefined) throw new Error(`start-postgres.sh printed no PG_URL:\n${stdout}`)
    return url
  }
  const url = await start()
  let stopped: Promise<void> | undefined
  return {
    url,
    createDatabase: () => createDatabase(url),
    async crash() {
      await runScript('stop-postgres.sh', [dir, 'immediate'], { ...env, KEEP: '1' })
    },
    async restart() {
      await start()
    },
    stop() {
      stopped ??= runScript('stop-postgres.sh', [dir, 'fast'], env).then(() => {})
      return stopped
    },
  }
}

let shared: Promise<PostgresTestServer> | undefined

/**
 * The PostgreSQL of the integration tests, for a vitest global set-up: `LATCH_TEST_PG_URL` when
 * set (`.ci/run` starts Debian's cluster and sets it; a superuser URL), else a cluster started
 * like {@link startPostgresCluster} and stopped by `stop()`. Tests create a database each.
 */
export function postgresTestServer(): Promise<PostgresTestServer> {
  const fromEnv = process.env.LATCH_TEST_PG_URL
  if (fromEnv !== undefined && fromEnv !== '') {
    return Promise.resolve({
      url: fromEnv,
      createDatabase: () => createDatabase(fromEnv),
      stop: async () => {},
    })
  }
  shared ??= startPostgresCluster().then((cluster) => ({
    url: cluster.url,
    createDatabase: cluster.createDatabase,
    stop: async () => {
      shared = undefined
      await cluster.stop()
    },
  }))
  return shared
}

/**
 * Creates an empty database `latch_<random>` on the server of `adminUrl` (a role that may create
 * databases) and returns its URL.
 */
export async function createDatabase(adminUrl: string): Promise<string> {
  const name = `latch_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/**
 * The path of a PostgreSQL client program (`pg_dump`, `pg_restore`, `psql`) of the newest
 * version installed from Debian's packages.
 *
 * @throws Error when PostgreSQL is not installed.
 */
export function postgresTool(name: string): string {
  const versions = existsSync(POSTGRESQL_LIB)
    ? readdirSync(POSTGRESQL_LIB)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : []
  const newest = versions[0]
  if (newest === undefined) throw new Error(`PostgreSQL is not installed (${POSTGRESQL_LIB})`)
  return `${POSTGRESQL_LIB}/${newest}/bin/${name}`
}

const POSTGRESQL_LIB = '/usr/lib/postgresql'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

function runScript(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string }> {
  const path = fileURLToPath(new URL(name, SCRIPTS))
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr })
      else reject(new Error(`${name} ${args.join(' ')} failed (${signal ?? code}):\n${stderr}`))
    })
  })
}
