import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient } from '@latch/client'
import { openSqliteStore } from '@latch/server'
import {
  type KeyServerProcess,
  startKeyServerProcess,
  stopKeyServer,
} from '@latch/testkit/key-server-process'
import { prepareReleaseFixture } from '@latch/testkit/release-fixture'
import { benchAuditVerify } from '../audit/audit-verify.js'
import { fillAuditLog } from '../audit/fill-audit-log.js'
import { type LoadRequest, type LoadResult, runHttpLoad } from '../shared/http-load.js'
import { keyServerAccess } from '../shared/key-server-access.js'
import { printTable } from '../shared/report.js'
import { decisionCryptoMicros } from './decision-crypto.js'

const CONNECTIONS = 50
const WARM_UP_SECONDS = 2
// BENCH_VERIFY_RECORDS=0 skips the verifier's part (decision runs only).
const VERIFY_RECORDS = Number(process.env.BENCH_VERIFY_RECORDS ?? 200_000)
// The rate limit is keyed by identity, and by address for anonymous requests: /healthz from one
// address would reach the default 60,000/min within seconds, so the server runs with it raised.
// Its cost per request does not depend on the limit.
const RATE_LIMIT = 1_000_000_000

/**
 * The key server under load: `POST /v1/rewrap` decisions per second with the audit on,
 * on SQLite, from 50 connections on loopback, next to `GET /healthz` on the same server and
 * connections; then the audit chain the load wrote, verified. The server is `latch server`
 * in its own process; `seconds` is the length of each measured run. BENCH_CPU_PROF=DIR writes the
 * server's CPU profile there.
 *
 * @throws Error when any answer is not the expected 200 or 403, when the audit records of the
 *   run do not match its answers one for one, or when the chain does not verify.
 */
export async function benchKeyRelease(seconds: number, rounds: number): Promise<void> {
  process.stderr.write('key release …\n')
  const dataDir = mkdtempSync(join(tmpdir(), 'latch-bench-'))
  try {
    const profile = process.env.BENCH_CPU_PROF
    const server = await startKeyServerProcess(dataDir, ['--rate-limit', String(RATE_LIMIT)], {
      nodeArgs: profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profile],
    })
    let run: Awaited<ReturnType<typeof measure>>
    try {
      run = await measure(server, seconds)
    } finally {
      await stopKeyServer(server)
    }
    const { healthz, decisions } = run
    const audited = await countReleaseRecords(dataDir, run.headBefore, run.headAfter)
    const healthzCpu = (run.healthzCpuSeconds / healthz.responses) * 1e6
    const decisionCpu = (run.cpuSeconds / decisions.responses) * 1e6
    const decisionLoopCpu = (run.loopCpuSeconds / decisions.responses) * 1e6
    const generatorCpu = (decisions.cpuSeconds / decisions.responses) * 1e6
    const cryptoCpu = decisionCryptoMicros()
    const cores = availableParallelism()

    printTable(
      `Key release over HTTP: ${CONNECTIONS} connections on loopback, ${run.users} users, ${run.policies} policies, audit on, SQLite (${decisions.seconds.toFixed(1)} s; the server and the load generator share the ${cores} cores)`,
      [
        loadRow('GET /healthz, same server and connections (baseline)', healthz, 1, 'requests/s'),
        loadRow(
          `POST /v1/rewrap, ${percent(decisions.statuses['403'], decisions.responses)} denied`,
          decisions,
          decisions.rate / healthz.rate,
          'decisions/s',
          '≥ 3,000/s',
        ),
        { what: 'POST /v1/rewrap p99 latency', value: decisions.p99, unit: 'ms', goal: '< 25 ms' },
        {
          what: 'server CPU per /healthz request, user + system (baseline)',
          value: healthzCpu,
          unit: 'µs',
          ratio: 1,
        },
        {
          what: 'server CPU per decision, user + system',
          value: decisionCpu,
          unit: 'µs',
          ratio: decisionCpu / healthzCpu,
        },
        {
          // The event loop is what a process's rate is bound by; the thread pool runs beside it.
          what: 'of which on the server main thread (event loop)',
          value: decisionLoopCpu,
          unit: 'µs',
          ratio: decisionLoopCpu / healthzCpu,
        },
        {
          what: 'load generator (autocannon, this process) CPU per decision',
          value: generatorCpu,
          unit: 'µs',
        },
        {
          what: "the decision's crypto alone, in this process (client key, ephemeral key, two ECDHs, unwrap, re-wrap)",
          value: cryptoCpu,
          unit: 'µs',
          ratio: cryptoCpu / healthzCpu,
        },
        {
          // What these costs allow, whatever the code does with the time: the ceilings a
          // reader can hold the goal against on this machine.
          what: 'ceiling: one server process at this event-loop CPU per decision',
          value: 1e6 / decisionLoopCpu,
          unit: 'decisions/s',
        },
        {
          what: `ceiling: ${cores} cores at this run's CPU per decision (server + load generator)`,
          value: (cores * 1e6) / (decisionCpu + generatorCpu),
          unit: 'decisions/s',
        },
        {
          what: `ceiling: ${cores} cores if a decision cost only a /healthz, its crypto and its load generation`,
          value: (cores * 1e6) / (healthzCpu + cryptoCpu + generatorCpu),
          unit: 'decisions/s',
        },
        {
          what: `server peak RSS (VmHWM; ${run.usage.cpuSeconds.toFixed(1)} s of CPU over its life)`,
          value: run.usage.peakRssMiB,
          unit: 'MiB',
        },
      ],
    )
    const failures = decisions.unexpected + decisions.errors + healthz.unexpected + healthz.errors
    const auditMatches =
      audited.permits === (decisions.statuses['200'] ?? 0) &&
      audited.denials === (decisions.statuses['403'] ?? 0) &&
      audited.other === 0 &&
      run.headAfter - run.headBefore === decisions.responses
    process.stdout.write(
      [
        '',
        `- rewrap answers: ${statusList(decisions)}; unexpected ${decisions.unexpected}, connection errors ${decisions.errors}`,
        `- healthz answers: ${statusList(healthz)}; unexpected ${healthz.unexpected}, connection errors ${healthz.errors}`,
        `- audit chain over the measured run: +${(run.headAfter - run.headBefore).toLocaleString('en')} records for ${decisions.responses.toLocaleString('en')} answers; key.release ${audited.permits.toLocaleString('en')}, key.release.denied ${audited.denials.toLocaleString('en')}, other ${audited.other}: ${auditMatches ? 'one record per answer, of the right type' : 'MISMATCH'}`,
        `- server log lines at warn and above: ${run.log.length}${run.log.length > 0 ? ` (first: ${run.log[0]})` : ''}`,
        '',
      ].join('\n'),
    )
    if (failures > 0 || !auditMatches) {
      throw new Error(`key release: ${failures} failed requests; audit matches: ${auditMatches}`)
    }

    if (VERIFY_RECORDS === 0) return
    const filled = await fillAuditLog(dataDir, VERIFY_RECORDS)
    await benchAuditVerify(dataDir, rounds, filled)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** Sets the server up, warms it up, then measures /healthz and the decisions. */
async function measure(server: KeyServerProcess, seconds: number) {
  const admin = new KeyServerClient({ server: server.url, token: server.adminToken })
  const fixture = await prepareReleaseFixture(keyServerAccess(server.url), server.adminToken)
  const health: LoadRequest[] = [{ method: 'GET', path: '/healthz' }]
  const release: LoadRequest[] = fixture.requests.map((r) => ({
    method: 'POST',
    path: '/v1/rewrap',
    ...r,
  }))
  const load = (requests: LoadRequest[], run: { seconds?: number; amount?: number }) =>
    runHttpLoad({ url: server.url, connections: CONNECTIONS, requests, ...run })

  await load(health, { seconds: WARM_UP_SECONDS })
  await load(release, { seconds: WARM_UP_SECONDS })
  // The second warm-up run, past the JIT's first compilations, sizes the measured run.
  const warm = await load(release, { seconds: WARM_UP_SECONDS })
  const cpuAtStart = server.usage().cpuSeconds
  const healthz = await load(health, { seconds })
  const healthzCpuSeconds = server.usage().cpuSeconds - cpuAtStart
  // A fixed number of requests, so that every request sent is answered and can be matched
  // against the audit chain (a timed run leaves requests in flight when it stops).
  const headBefore = (await admin.auditHead()).size
  const before = server.usage()
  const decisions = await load(release, { amount: Math.round(warm.rate * seconds) })
  const after = server.usage()
  const cpuSeconds = after.cpuSeconds - before.cpuSeconds
  const loopCpuSeconds = after.mainThreadCpuSeconds - before.mainThreadCpuSeconds
  const headAfter = (await admin.auditHead()).size
  await fixture.checkRoundTrip()
  return {
    users: fixture.users,
    policies: fixture.policies,
    healthz,
    decisions,
    headBefore,
    headAfter,
    cpuSeconds,
    loopCpuSeconds,
    healthzCpuSeconds,
    usage: server.usage(),
    log: server.log(),
  }
}

function loadRow(what: string, result: LoadResult, ratio: number, unit: string, goal?: string) {
  return {
    what: `${what}; p50 ${result.p50} ms, p99 ${result.p99} ms`,
    value: result.rate,
    unit,
    ratio,
    ...(goal === undefined ? {} : { goal }),
  }
}

function statusList(result: LoadResult): string {
  return Object.entries(result.statuses)
    .map(([code, n]) => `${code} × ${n.toLocaleString('en')}`)
    .join(', ')
}

function percent(part: number | undefined, whole: number): string {
  return `${(((part ?? 0) / whole) * 100).toFixed(1)} %`
}

/** Counts the records with `after < seq ≤ upTo` by type, from the stopped server's database. */
async function countReleaseRecords(dataDir: string, after: number, upTo: number) {
  const store = openSqliteStore({
    file: join(dataDir, 'latch.db'),
    readonly: true,
    tailBounds: { maxUnsignedRecords: 1e9, maxUnsignedAgeMs: 1e12 },
  })
  const counts = { permits: 0, denials: 0, other: 0 }
  try {
    for await (const row of store.iterateAudit(after)) {
      if (row.seq > upTo) break
      const { type } = JSON.parse(Buffer.from(row.recordBytes).toString('utf8')) as { type: string }
      if (type === 'key.release') counts.permits++
      else if (type === 'key.release.denied') counts.denials++
      else counts.other++
    }
  } finally {
    await store.close()
  }
  return counts
}
