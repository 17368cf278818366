import {
  type Instance,
  type InstanceGroup,
  startInstances,
} from '@latch/testkit/key-server-process'
import { type PostgresCluster, startPostgresCluster } from '@latch/testkit/postgres'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './cli-process.js'
import {
  type PreparedRead,
  prepareFixture,
  type ReadersFixture,
  type ReadOutcome,
  readChain,
  sendRead,
  sleep,
} from './instances.js'

// Faults under load with three `latch server` processes on one PostgreSQL: an instance killed
// with SIGKILL, the checkpoint signer killed, PostgreSQL itself stopped with
// `pg_ctl stop -m immediate` and started again. The cluster is this file's own: stopping
// the shared one would fail the other test files.

const INTERVAL_MS = 1_000
const REPORT = process.env.LATCH_REPORT === '1'
// The checkpoint lease (checkpoint-lease.ts): pg_locks shows a bigint key as two 32-bit halves.
const LEASE_KEY = 0x4c415443_0003n

let cluster: PostgresCluster
let group: InstanceGroup
let fixture: ReadersFixture
let live: Instance[]

beforeAll(async () => {
  cluster = await startPostgresCluster()
  const database = await cluster.createDatabase()
  group = await startInstances(
    database,
    ['a', 'b', 'c'],
    ['--checkpoint-interval', String(INTERVAL_MS)],
  )
  live = [...group.instances]
  fixture = await prepareFixture((live[0] as Instance).url, group.adminToken, 'f', 6)
})

afterAll(async () => {
  await group?.close()
  await cluster?.stop()
})

interface Read extends ReadOutcome {
  readonly instance: string
  readonly sent: number
  readonly answered: number
}

/** Key requests in loops, `perInstance` loops through each instance, until `stop()`. */
function load(instances: readonly Instance[], perInstance = 2) {
  const reads: Read[] = []
  let running = true
  let n = 0
  const loops: { instance: Instance; read: PreparedRead }[] = []
  for (const instance of instances) {
    for (let i = 0; i < perInstance; i++) {
      loops.push({ instance, read: fixture.reads[n++ % fixture.reads.length] as PreparedRead })
    }
  }
  const done = Promise.all(
    loops.map(async ({ instance, read }) => {
      while (running) {
        const sent = performance.now()
        const outcome = await sendRead(instance.url, read)
        reads.push({ ...outcome, instance: instance.name, sent, answered: performance.now() })
        // A refused connection answers at once: do not spin.
        if (outcome.status === 0) await sleep(20)
      }
    }),
  )
  return {
    reads,
    async stop() {
      running = false
      await done
    },
  }
}

/** Every key a client received has its committed `key.release` record. */
async function keysWithoutRecord(reads: readonly Read[]): Promise<number> {
  const chain = await readChain(group.database)
  const released = new Set(
    chain.filter((r) => r.type === 'key.release').map((r) => r.request_id as string),
  )
  return reads.filter((r) => r.released && !released.has(r.requestId)).length
}

async function verifyChain(): Promise<void> {
  const verified = await runCli(['audit', 'verify', '--database', group.database, '--json'])
  expect(verified.code, verified.stdout + verified.stderr).toBe(0)
  expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, problems: [] })
}

/** The pid of the process whose connection holds the checkpoint lease, if any. */
async function signerPid(): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: group.database })
  await client.connect()
  try {
    const { rows } = await client.query<{ application_name: string }>(
      `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2
         AND l.objsubid = 1`,
      [Number(LEASE_KEY >> 32n), Number(LEASE_KEY & 0xffff_ffffn)],
    )
    const name = rows[0]?.application_name
    return name === undefined ? undefined : Number(name.split('/')[1])
  } finally {
    await client.end()
  }
}

async function latestCheckpointAt(): Promise<number> {
  const client = new pg.Client({ connectionString: group.database })
  await client.connect()
  try {
    const { rows } = await client.query<{ at: Date | null }>(
      'SELECT max(signed_at) AS at FROM checkpoints',
    )
    return rows[0]?.at?.getTime() ?? 0
  } finally {
    await client.end()
  }
}

describe('faults under load, three latch server instances on one PostgreSQL', () => {
  it('the checkpoint signer killed with SIGKILL: another instance signs within the interval', async () => {
    let pid: number | undefined
    for (let i = 0; i < 50 && pid === undefined; i++) {
      pid = await signerPid()
      if (pid === undefined) await sleep(100)
    }
    const signer = live.find((i) => i.child.pid === pid)
    expect(signer, `signer pid ${pid}`).toBeDefined()
    const run = load(live.filter((i) => i !== signer))
    await sleep(500)
    const killed = Date.now()
    ;(signer as Instance).child.kill('SIGKILL')
    live = live.filter((i) => i !== signer)
    let next: number | undefined
    let signedAt = 0
    for (let waited = 0; waited < 10_000; waited += 50) {
      next = await signerPid()
      signedAt = await latestCheckpointAt()
      if (next !== undefined && next !== pid && signedAt > killed) break
      await sleep(50)
    }
    await run.stop()
    const takeoverMs = signedAt - killed
    if (REPORT) {
      console.info(
        `signer ${signer?.name} (pid ${pid}) killed; ${live.find((i) => i.child.pid === next)?.name} (pid ${next}) signed ${takeoverMs} ms later (interval ${INTERVAL_MS} ms)`,
      )
    }
    expect(next).toBeDefined()
    expect(next).not.toBe(pid)
    expect(live.map((i) => i.child.pid)).toContain(next)
    // The next tick of a surviving instance takes the lease and signs: within one interval,
    // plus the scheduling slack of a loaded machine.
    expect(takeoverMs).toBeGreaterThan(0)
    expect(takeoverMs).toBeLessThan(INTERVAL_MS + 1_500)
    expect(await keysWithoutRecord(run.reads)).toBe(0)
    await verifyChain()
    live.push(await group.start('d'))
  })

  it('one instance killed with SIGKILL under load: the others keep serving, the chain verifies, every key received has its record', async () => {
    const run = load(live)
    await sleep(1_500)
    const victim = live[1] as Instance
    const killedAt = performance.now()
    victim.child.kill('SIGKILL')
    await sleep(1_500)
    await run.stop()
    const others = run.reads.filter((r) => r.instance !== victim.name && r.sent > killedAt)
    const onVictim = run.reads.filter((r) => r.instance === victim.name)
    const missing = await keysWithoutRecord(run.reads)
    if (REPORT) {
      console.info(
        `kill -9 of ${victim.name} under load: ${run.reads.filter((r) => r.released).length} keys received in all, ` +
          `${others.filter((r) => r.released).length} by the others after the kill (${others.filter((r) => r.status !== 200).length} not 200), ` +
          `${onVictim.filter((r) => r.released).length} from ${victim.name} before it, ${onVictim.filter((r) => r.status === 0).length} refused connections after; keys without a record ${missing}`,
      )
    }
    live = live.filter((i) => i !== victim)
    expect(others.length).toBeGreaterThan(20)
    expect(others.filter((r) => r.status !== 200)).toEqual([])
    expect(onVictim.filter((r) => r.released).length).toBeGreaterThan(0)
    expect(missing).toBe(0)
    await verifyChain()
  })

  it('PostgreSQL stopped under load: only 503s and no key; started again: every instance serves keys by itself', async () => {
    const run = load(live)
    await sleep(1_000)
    await cluster.crash()
    const down = performance.now()
    await sleep(2_000)
    const upAt = performance.now()
    await cluster.restart()
    const restarted = performance.now()
    const restartedAt = Date.now()
    // Resumed: a key through every instance, without restarting any.
    const resumedMs = new Map<string, number>()
    for (let waited = 0; waited < 30_000 && resumedMs.size < live.length; waited += 50) {
      for (const r of run.reads) {
        if (r.released && r.sent > restarted && !resumedMs.has(r.instance)) {
          resumedMs.set(r.instance, r.answered - restarted)
        }
      }
      await sleep(50)
    }
    await run.stop()
    // The signer's lease connection died with the database: some instance takes it again.
    let signedAgainMs: number | undefined
    for (let waited = 0; waited < 10_000 && signedAgainMs === undefined; waited += 100) {
      const at = await latestCheckpointAt()
      if (at > restartedAt) signedAgainMs = at - restartedAt
      else await sleep(100)
    }
    const outage = run.reads.filter((r) => r.sent > down && r.answered < upAt)
    const keysInOutage = outage.filter((r) => r.released || r.status === 200)
    const missing = await keysWithoutRecord(run.reads)
    if (REPORT) {
      console.info(
        `pg_ctl stop -m immediate under load: ${outage.length} requests while it was down: ` +
          `${outage.filter((r) => r.status === 503).length} × 503, ${keysInOutage.length} keys; restarted: keys again after ` +
          `${[...resumedMs.entries()].map(([name, ms]) => `${name} ${Math.round(ms)} ms`).join(', ')}, a checkpoint after ${signedAgainMs} ms; keys without a record ${missing}`,
      )
    }
    expect(outage.length).toBeGreaterThan(10)
    for (const instance of live) {
      expect(instance.child.exitCode, `${instance.name}: ${instance.stderr().slice(-2000)}`).toBe(
        null,
      )
    }
    expect(outage.filter((r) => r.status !== 503)).toEqual([])
    expect(keysInOutage).toEqual([])
    expect(resumedMs.size).toBe(live.length)
    expect(signedAgainMs).toBeLessThan(INTERVAL_MS + 1_500)
    expect(missing).toBe(0)
    await verifyChain()
  })
})
