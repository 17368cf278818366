import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KeyServerClient } from '@latch/client'
import { startKeyServerProcess, stopKeyServer } from '@latch/testkit/key-server-process'
import { prepareReleaseFixture } from '@latch/testkit/release-fixture'
import { fillAuditLog } from '../audit/fill-audit-log.js'
import { FILL_BUCKET, fillPolicies, ownerAt, policyIdAt } from '../lockdown/fill-policies.js'
import { keyServerAccess } from '../shared/key-server-access.js'
import { median } from '../shared/measure.js'
import { printTable, type Row } from '../shared/report.js'
import { benchConsoleFirstScreen } from './first-screen.js'

/** Sizes of {@link benchConsoleOverview}. */
export interface ConsoleBenchOptions {
  /** Policies in the store (BENCH_CONSOLE_POLICIES, default 100,000). */
  readonly policies: number
  /** Records in the audit log (BENCH_CONSOLE_RECORDS, default 1,000,000). */
  readonly auditRecords: number
  /** Timed requests per figure (BENCH_CONSOLE_SAMPLES, default 30). */
  readonly samples: number
}

const RATE_LIMIT = 1_000_000_000
const WARM_UP = 5
const CHECKPOINT_EVERY = 10_000
const FIRST_SCREEN_SAMPLES = 10
// The filled policies' reader (lockdown/fill-policies.ts): it reads every one of them.
const FILL_READER = 'reader@bench.example'

/** One request the bench times: its path and whose token it carries. */
interface Probe {
  readonly what: string
  readonly path: string
  readonly token: string
  readonly goal?: string
}

/**
 * The console's routes on a full store, `BENCH_ONLY=overview`: `GET /v1/overview` and
 * `GET /v1/policies` with 100,000 policies and 1,000,000 audit records in SQLite, warm, each
 * timed in alternation with a single-policy `GET /v1/policies/:id` (the baseline; `GET /healthz`
 * is listed too), as an admin, as an owner of 1,000 of the policies and as the reader of all of
 * them. The server is `latch server` in its own process; times are medians of `samples`
 * requests from this process, the HTTP round trip on loopback included.
 *
 * @throws Error when an answer is not a 200, or says something the fill contradicts.
 */
export async function benchConsoleOverview(options: ConsoleBenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'latch-console-'))
  const dataDir = join(dir, 'server')
  try {
    process.stdout.write('\n## The console’s routes on a full store\n')
    const n = (x: number) => x.toLocaleString('en')
    // Key releases and denials through the real path, for the fill to copy.
    let server = await startKeyServerProcess(dataDir, ['--rate-limit', String(RATE_LIMIT)])
    const fixture = await prepareReleaseFixture(keyServerAccess(server.url), server.adminToken)
    for (const request of fixture.requests.slice(0, 20)) {
      const answer = await fetch(`${server.url}/v1/rewrap`, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
      })
      if (answer.status !== request.expect) throw new Error(`rewrap answered ${answer.status}`)
    }
    const adminToken = server.adminToken
    await stopKeyServer(server)
    process.stderr.write(`console: filling ${n(options.policies)} policies …\n`)
    await fillPolicies(join(dataDir, 'latch.db'), options.policies)
    process.stderr.write(`console: audit log to ${n(options.auditRecords)} records …\n`)
    await fillAuditLog(dataDir, options.auditRecords, { checkpointEvery: CHECKPOINT_EVERY })

    server = await startKeyServerProcess(dataDir, ['--rate-limit', String(RATE_LIMIT)])
    try {
      const admin = new KeyServerClient({ server: server.url, token: adminToken })
      // owner7 is no user of the release fixture: a fresh token for the filled policies' owner.
      const owner = ownerAt(7)
      const ownerToken = (await admin.createUser(owner)).token
      const readerToken = (await admin.createUser(FILL_READER)).token
      const owned = Math.ceil(options.policies / 100)
      const probes: Probe[] = [
        { what: '`GET /healthz`', path: '/healthz', token: adminToken },
        {
          what: '`GET /v1/overview`, admin (every policy, lockdowns, denials, changes)',
          path: '/v1/overview',
          token: adminToken,
          goal: '< 1 s',
        },
        {
          what: `\`GET /v1/overview\`, owner of ${n(owned)}`,
          path: '/v1/overview',
          token: ownerToken,
          goal: '< 1 s',
        },
        {
          what: `\`GET /v1/overview\`, reader of all ${n(options.policies)}`,
          path: '/v1/overview',
          token: readerToken,
          goal: '< 1 s',
        },
        {
          what: '`GET /v1/policies`, admin, first page of 50',
          path: '/v1/policies',
          token: adminToken,
        },
        {
          what: `\`GET /v1/policies\`, owner of ${n(owned)}, first page of 50`,
          path: '/v1/policies',
          token: ownerToken,
        },
        {
          what: `\`GET /v1/policies\`, reader of all, first page of 50`,
          path: '/v1/policies',
          token: readerToken,
        },
        {
          what: `\`GET /v1/policies?owner=\`, admin, first page of 50 (${n(owned)} match)`,
          path: `/v1/policies?owner=${owner}`,
          token: adminToken,
        },
        {
          what: '`GET /v1/policies?total=true`, owner, first page and the count',
          path: '/v1/policies?total=true',
          token: ownerToken,
        },
        {
          what: '`GET /v1/policies?bucket=&prefix=archive/` (the last 5 %), admin',
          path: `/v1/policies?bucket=${FILL_BUCKET}&prefix=archive/`,
          token: adminToken,
        },
        {
          what: '`GET /v1/policies?q=` (a key substring: every policy searched), admin',
          path: `/v1/policies?q=${encodeURIComponent(`/${options.policies - 1}.bin`)}`,
          token: adminToken,
        },
        {
          what: '`GET /v1/policies?state=expired` (none: every policy read), admin',
          path: '/v1/policies?state=expired',
          token: adminToken,
        },
      ]
      const baseline: Probe = {
        what: '`GET /v1/policies/:id` (baseline)',
        path: `/v1/policies/${policyIdAt(options.policies >> 1)}`,
        token: adminToken,
      }
      const overview = (await (await get(server.url, probes[1] as Probe)).json()) as {
        files: { total: number }
        chain: { headSeq: number }
      }
      if (
        overview.files.total < options.policies ||
        overview.chain.headSeq < options.auditRecords
      ) {
        throw new Error(`the overview does not see the fill: ${JSON.stringify(overview)}`)
      }
      const rows: Row[] = []
      const baseTimes: number[] = []
      const timed = new Map<Probe, { ms: number[]; ratio: number[] }>()
      for (const probe of [baseline, ...probes]) {
        for (let i = 0; i < WARM_UP; i++) await time(server.url, probe)
        timed.set(probe, { ms: [], ratio: [] })
      }
      for (let i = 0; i < options.samples; i++) {
        for (const probe of probes) {
          const base = await time(server.url, baseline)
          const ms = await time(server.url, probe)
          baseTimes.push(base)
          timed.get(probe)?.ms.push(ms)
          timed.get(probe)?.ratio.push(ms / base)
        }
      }
      rows.push({ what: baseline.what, value: median(baseTimes), unit: 'ms', ratio: 1 })
      for (const probe of probes) {
        const figure = timed.get(probe) as { ms: number[]; ratio: number[] }
        rows.push({
          what: probe.what,
          value: median(figure.ms),
          unit: 'ms',
          ratio: median(figure.ratio),
          ...(probe.goal === undefined ? {} : { goal: probe.goal }),
        })
      }
      // Every page of the owner's policies, one after another.
      const pages: number[] = []
      let cursor: string | null = null
      do {
        const probe: Probe = {
          what: '',
          path: `/v1/policies?limit=200${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
          token: ownerToken,
        }
        const started = performance.now()
        const page = (await (await get(server.url, probe)).json()) as { nextCursor: string | null }
        pages.push(performance.now() - started)
        cursor = page.nextCursor
      } while (cursor !== null)
      rows.push({
        what: `\`GET /v1/policies?limit=200\`, owner, each of the ${pages.length} pages of ${n(owned)} in turn (median)`,
        value: median(pages),
        unit: 'ms',
        ratio: median(pages) / median(baseTimes),
      })
      printTable(
        `${n(options.policies)} policies, ${n(overview.chain.headSeq)} audit records (SQLite), warm; median of ${options.samples} requests, each next to a baseline request`,
        rows,
      )
      printTable(
        `The first screen in Chromium on the same store, median of ${FIRST_SCREEN_SAMPLES} loads, each next to a baseline load`,
        await benchConsoleFirstScreen(server.url, adminToken, FIRST_SCREEN_SAMPLES),
      )
    } finally {
      await stopKeyServer(server)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function get(url: string, probe: Probe): Promise<Response> {
  const answer = await fetch(`${url}${probe.path}`, {
    headers: { authorization: `Bearer ${probe.token}` },
  })
  if (answer.status !== 200) {
    throw new Error(`${probe.path} answered ${answer.status}: ${await answer.text()}`)
  }
  return answer
}

async function time(url: string, probe: Probe): Promise<number> {
  const started = performance.now()
  await (await get(url, probe)).arrayBuffer()
  return performance.now() - started
}
