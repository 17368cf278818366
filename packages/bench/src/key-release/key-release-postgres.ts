import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient } from '@latch/client'
import { openPostgresStore, openSqliteStore, type Store } from '@latch/server'
import {
  type KeyServerProcess,
  startInstances,
  startKeyServerProcess,
  stopKeyServer,
} from '@latch/testkit/key-server-process'
import { type PostgresCluster, startPostgresCluster } from '@latch/testkit/postgres'
import { prepareReleaseFixture } from '@latch/testkit/release-fixture'
import { type LoadRequest, type LoadResult, runHttpLoad } from '../shared/http-load.js'
import { keyServerAccess } from '../shared/key-server-access.js'
import { printTable, type Row } from '../shared/report.js'

const CONNECTIONS = 48 // a multiple of 1, 2 and 3: autocannon spreads them over the instances
const WARM_UP_SECONDS = 2
const APPEND_CONCURRENCY = 16
const RATE_LIMIT = 1_000_000_000

/** One measured configuration: its label, its decisions and the server processes' CPU. */
interface Measured {
  readonly label: string
  readonly load: LoadResult
  readonly cpuMsPerDecision: number
  readonly appended: number
}

/**
 * Key release on PostgreSQL: `POST /v1/rewrap` decisions per second, p50 and p99, from
 * 48 connections on loopback, against 1, 2 and 3 `latch server` processes sharing one database,
 * next to one process on SQLite in the same run; then audit appends per second straight through
 * each store. The PostgreSQL cluster is Debian's, started for the run with fsync off: like SQLite
 * in WAL mode with `synchronous = NORMAL`, a commit survives a killed process but not a power
 * loss. One more row keeps fsync on (a commit survives a power loss too).
 *
 * @throws Error when an answer is not the expected 200 or 403, or the audit chain did not grow
 *   by one record per answer (and at most one per connection more: requests still in flight).
 */
export async function benchKeyReleasePostgres(seconds: number): Promise<void> {
  process.stderr.write('key release on PostgreSQL …\n')
  const measured: Measured[] = []
  const sqliteDir = mkdtempSync(join(tmpdir(), 'latch-bench-sqlite-'))
  try {
    const server = await startKeyServerProcess(sqliteDir, ['--rate-limit', String(RATE_LIMIT)])
    try {
      measured.push(await measure('SQLite, 1 process', [server], server.adminToken, seconds))
    } finally {
      await stopKeyServer(server)
    }
  } finally {
    rmSync(sqliteDir, { recursive: true, force: true })
  }
  let appendsSqlite = 0
  let appendsPostgres = 0
  let appendsPostgresFsync = 0
  for (const fsync of [false, true]) {
    const cluster = await startPostgresCluster({ fsync })
    try {
      for (const count of fsync ? [1] : [1, 2, 3]) {
        const label = `PostgreSQL${fsync ? ' (fsync on)' : ''}, ${count} process${count > 1 ? 'es' : ''}`
        measured.push(await onPostgres(cluster, count, label, seconds))
      }
      const url = await cluster.createDatabase()
      const store = await openPostgresStore({ url, tailBounds: UNBOUNDED })
      try {
        if (fsync) appendsPostgresFsync = await appendRate(store, seconds)
        else appendsPostgres = await appendRate(store, seconds)
      } finally {
        await store.close()
      }
    } finally {
      await cluster.stop()
    }
  }
  const appendDir = mkdtempSync(join(tmpdir(), 'latch-bench-append-'))
  try {
    const store = openSqliteStore({ file: join(appendDir, 'latch.db'), tailBounds: UNBOUNDED })
    try {
      appendsSqlite = await appendRate(store, seconds)
    } finally {
      await store.close()
    }
  } finally {
    rmSync(appendDir, { recursive: true, force: true })
  }

  const base = measured[0] as Measured
  const rows: Row[] = measured.map((m) => ({
    what: `${m.label}: POST /v1/rewrap, p50 ${m.load.p50} ms, p99 ${m.load.p99} ms; server CPU ${m.cpuMsPerDecision.toFixed(2)} ms per decision`,
    value: m.load.rate,
    unit: 'decisions/s',
    ratio: m.load.rate / base.load.rate,
  }))
  rows.push(
    {
      what: `SQLite: audit appends alone (store.appendAudit, ${APPEND_CONCURRENCY} at once)`,
      value: appendsSqlite,
      unit: 'appends/s',
      ratio: 1,
    },
    {
      what: `PostgreSQL: audit appends alone (store.appendAudit, ${APPEND_CONCURRENCY} at once, one process)`,
      value: appendsPostgres,
      unit: 'appends/s',
      ratio: appendsPostgres / appendsSqlite,
    },
    {
      what: 'PostgreSQL (fsync on): audit appends alone',
      value: appendsPostgresFsync,
      unit: 'appends/s',
      ratio: appendsPostgresFsync / appendsSqlite,
    },
  )
  printTable(
    `Key release on PostgreSQL: ${CONNECTIONS} connections on loopback spread over the instances, audit on (${seconds} s each; this machine has 2 cores, shared by the instances, PostgreSQL and the load generator, so more instances add contention, not cores)`,
    rows,
  )
  process.stdout.write(
    `\n${measured
      .map(
        (m) =>
          `- ${m.label}: ${Object.entries(m.load.statuses)
            .map(([code, n]) => `${code} × ${n.toLocaleString('en')}`)
            .join(
              ', ',
            )}; unexpected ${m.load.unexpected}, connection errors ${m.load.errors}; audit chain +${m.appended.toLocaleString('en')}`,
      )
      .join('\n')}\n`,
  )
}

const UNBOUNDED = { maxUnsignedRecords: 1e12, maxUnsignedAgeMs: 1e12 }

async function onPostgres(
  cluster: PostgresCluster,
  count: number,
  label: string,
  seconds: number,
): Promise<Measured> {
  const database = await cluster.createDatabase()
  const names = Array.from({ length: count }, (_, i) => `bench-pg${i}`)
  const group = await startInstances(database, names)
  try {
    return await measure(label, group.instances, group.adminToken, seconds)
  } finally {
    for (const server of group.instances) await stopKeyServer(server)
    await group.close()
  }
}

async function measure(
  label: string,
  servers: readonly KeyServerProcess[],
  adminToken: string,
  seconds: number,
): Promise<Measured> {
  const first = servers[0] as KeyServerProcess
  const admin = new KeyServerClient({ server: first.url, token: adminToken })
  const fixture = await prepareReleaseFixture(keyServerAccess(first.url), adminToken)
  const release: LoadRequest[] = fixture.requests.map((r) => ({
    method: 'POST',
    path: '/v1/rewrap',
    ...r,
  }))
  const urls = servers.map((s) => s.url)
  const load = (run: { seconds?: number; amount?: number }) =>
    runHttpLoad({ url: urls, connections: CONNECTIONS, requests: release, ...run })
  await load({ seconds: WARM_UP_SECONDS })
  const warm = await load({ seconds: WARM_UP_SECONDS })
  const cpu = () => servers.reduce((sum, s) => sum + s.usage().cpuSeconds, 0)
  const headBefore = (await admin.auditHead()).size
  const cpuBefore = cpu()
  // A fixed number of requests: the chain must grow by one record per answer.
  const result = await load({ amount: Math.round(warm.rate * seconds) })
  const cpuSeconds = cpu() - cpuBefore
  const appended = (await admin.auditHead()).size - headBefore
  await fixture.checkRoundTrip()
  // autocannon may have sent a request per connection past the amount when it stops: those are
  // decided and recorded, but not counted as answers.
  const extra = appended - result.responses
  if (result.unexpected + result.errors > 0 || extra < 0 || extra > CONNECTIONS) {
    throw new Error(
      `${label}: ${result.unexpected} unexpected answers, ${result.errors} errors, ${appended} records for ${result.responses} answers`,
    )
  }
  return { label, load: result, cpuMsPerDecision: (cpuSeconds / result.responses) * 1e3, appended }
}

/** Audit appends per second through a store, `APPEND_CONCURRENCY` in flight. */
async function appendRate(store: Store, seconds: number): Promise<number> {
  const draft: Parameters<Store['appendAudit']>[0] = {
    type: 'server.start',
    actor: { email: 'bench@latch.local' },
    bench: true,
  }
  let count = 0
  const until = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: APPEND_CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await store.appendAudit(draft)
        count++
      }
    }),
  )
  return count / ((performance.now() - started) / 1000)
}
