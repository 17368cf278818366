import { randomInt } from 'node:crypto'
import {
  type Instance,
  type InstanceGroup,
  startInstances,
} from '@latch/testkit/key-server-process'
import { createDatabase } from '@latch/testkit/postgres'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { runCli } from './cli-process.js'
import {
  type ChainRecord,
  type PreparedRead,
  prepareFixture,
  type ReadersFixture,
  type ReadOutcome,
  readChain,
  sendRead,
  sleep,
} from './instances.js'

// Three `latch server` processes on one PostgreSQL database: a change acknowledged by one instance
// is enforced by the others on the very next request. Each trial races a change made through one
// instance against key requests sent in a loop through the others, and is judged twice,
// independently:
// - by client order: every request sent after the change returned, and answered before it was
//   undone, got the uniform 403, never a key;
// - by chain order (= commit order, whichever instance wrote each record): no `key.release` of
//   the policy between the change's record and the record that undid it.
// Both would be vacuous if no key flowed, so each trial starts only once a key was released
// after the previous one, and every key a client received must have its committed record.

const TRIALS = Number(process.env.LATCH_T6_TRIALS ?? 1_000)
const LOCKDOWN_TRIALS = Number(process.env.LATCH_LOCKDOWN_TRIALS ?? 60)
const LANES = 4
const REPORT = process.env.LATCH_REPORT === '1'

let group: InstanceGroup
let fixture: ReadersFixture
let a: Instance
let b: Instance
let c: Instance

beforeAll(async () => {
  const database = await createDatabase(inject('postgresUrl'))
  group = await startInstances(database, ['a', 'b', 'c'])
  ;[a, b, c] = group.instances as [Instance, Instance, Instance]
  fixture = await prepareFixture(a.url, group.adminToken, 'ld', 6)
})

afterAll(async () => {
  await group?.close()
})

/** One read of the storm; `sent` and `answered` are ticks of one logical clock. */
interface Read extends ReadOutcome {
  readonly loop: number
  readonly instance: string
  readonly sent: number
  readonly answered: number
}

/** The test runs on one thread: a tick taken before a request and one taken after an answer order them exactly. */
let clock = 0

/** Key requests in a loop, each loop through one instance, until `stop()`. */
function storm(loops: readonly { instance: Instance; read: PreparedRead }[]) {
  const reads: Read[] = []
  let running = true
  const done = Promise.all(
    loops.map(async ({ instance, read }, loop) => {
      while (running) {
        const sent = ++clock
        const outcome = await sendRead(instance.url, read)
        reads.push({ ...outcome, loop, instance: instance.name, sent, answered: ++clock })
      }
    }),
  )
  return {
    reads,
    /** Waits until every loop has `count` answers to requests sent after `tick`. */
    async after(tick: number, count: number, what = (_r: Read) => true) {
      for (let waited = 0; ; waited++) {
        const per = new Array<number>(loops.length).fill(0)
        for (let i = reads.length - 1; i >= 0; i--) {
          const r = reads[i] as Read
          if (r.sent <= tick) break
          if (what(r)) per[r.loop] = (per[r.loop] ?? 0) + 1
        }
        if (per.every((n) => n >= count)) return
        if (waited > 20_000) throw new Error('the storm stalled')
        await sleep(1)
      }
    },
    /** Waits until some request sent after `tick` got a key. */
    async released(tick: number) {
      for (let waited = 0; ; waited++) {
        for (let i = reads.length - 1; i >= 0; i--) {
          const r = reads[i] as Read
          if (r.sent <= tick) break
          if (r.released) return
        }
        if (waited > 20_000) throw new Error('no key released')
        await sleep(1)
      }
    },
    async stop() {
      running = false
      await done
    },
  }
}

/** A change and the change that undoes it, each acknowledged at a tick, with their request ids. */
interface Trial {
  readonly acked: number
  readonly undoSent: number
  readonly changeRequestId: string
  readonly undoRequestId: string
}

/** Reads judged by client order: answers to requests sent inside a trial's closed window. */
function insideWindows(reads: readonly Read[], trials: readonly Trial[]) {
  const inside: Read[] = []
  let t = 0
  for (const read of [...reads].sort((x, y) => x.sent - y.sent)) {
    while (t < trials.length && (trials[t] as Trial).undoSent < read.sent) t++
    const trial = trials[t]
    if (trial !== undefined && read.sent > trial.acked && read.answered < trial.undoSent) {
      inside.push(read)
    }
  }
  return inside
}

/** Releases of the policy that the chain orders between a change and its undo. */
function chainViolations(
  chain: readonly ChainRecord[],
  trials: readonly Trial[],
  policyId: string,
): { violations: ChainRecord[]; windows: number } {
  const seqOf = new Map<string, number>()
  for (const r of chain) if (r.request_id !== undefined) seqOf.set(r.request_id, r.seq)
  const violations: ChainRecord[] = []
  let windows = 0
  const releases = chain.filter((r) => r.type === 'key.release' && r.policy_id === policyId)
  for (const trial of trials) {
    const from = seqOf.get(trial.changeRequestId)
    const to = seqOf.get(trial.undoRequestId)
    if (from === undefined || to === undefined) continue
    windows++
    violations.push(...releases.filter((r) => r.seq > from && r.seq < to))
  }
  return { violations, windows }
}

/** Every key a client received has its committed `key.release` record. */
function missingRecords(reads: readonly Read[], chain: readonly ChainRecord[]): Read[] {
  const released = new Set(
    chain.filter((r) => r.type === 'key.release').map((r) => r.request_id as string),
  )
  return reads.filter((r) => r.released && !released.has(r.requestId))
}

describe('three latch server instances on one PostgreSQL database', () => {
  it('start together: one first admin, one wrap key, one checkpoint signer, one chain', async () => {
    expect(group.adminTokenFiles).toBe(1)
    const chain = await readChain(group.database)
    expect(chain.filter((r) => r.type === 'key.create').length).toBe(2) // one wrap, one checkpoint
    expect(chain.filter((r) => r.type === 'user.create' && r.request_id === undefined).length).toBe(
      1,
    )
    expect(chain.filter((r) => r.type === 'server.start').length).toBe(3)
    // Every instance publishes the same key.
    const current = await Promise.all(
      [a, b, c].map(
        async (i) =>
          ((await (await fetch(`${i.url}/v1/keys`)).json()) as { current: string }).current,
      ),
    )
    expect(new Set(current).size).toBe(1)
  })

  it(`zero window across instances: ${TRIALS} revokes through A while readers go through B and C; no key after a revoke returned`, async () => {
    // Lanes run side by side, each its own policy, owner and readers (one loop through B, one
    // through C): the trials of one lane wait on the network while another's run.
    const lanes = await Promise.all(
      Array.from({ length: LANES }, (_, i) =>
        prepareFixture(a.url, group.adminToken, `t6-${i}`, 2),
      ),
    )
    const results = await Promise.all(
      lanes.map(async (lane, l) => {
        const owner = lane.ownerOn(a.url)
        const loops = lane.reads.map((read, i) => ({ instance: i % 2 === 0 ? b : c, read }))
        const run = storm(loops)
        const trials: Trial[] = []
        const ackMs: number[] = []
        try {
          await run.released(0)
          for (let i = 0; i < Math.ceil(TRIALS / LANES); i++) {
            await sleep(randomInt(0, 3))
            const started = performance.now()
            await owner.client.revokePolicy(lane.policyId, `trial ${l}.${i}`)
            const acked = ++clock
            ackMs.push(performance.now() - started)
            const changeRequestId = owner.lastRequestId()
            await run.after(acked, 1)
            const undoSent = ++clock
            await owner.client.unrevokePolicy(lane.policyId, `trial ${l}.${i} over`)
            const undoAcked = ++clock
            trials.push({ acked, undoSent, changeRequestId, undoRequestId: owner.lastRequestId() })
            await run.released(undoAcked)
          }
        } finally {
          await run.stop()
        }
        return { lane, loops: loops.length, reads: run.reads, trials, ackMs }
      }),
    )
    const chain = await readChain(group.database)
    let trials = 0
    let windows = 0
    let inside = 0
    let reads = 0
    let released = 0
    const keysInside: Read[] = []
    const violations: ChainRecord[] = []
    const missing: Read[] = []
    const other: Read[] = []
    for (const result of results) {
      trials += result.trials.length
      const within = insideWindows(result.reads, result.trials)
      inside += within.length
      expect(within.length).toBeGreaterThanOrEqual(result.trials.length * result.loops)
      keysInside.push(...within.filter((r) => r.status !== 403))
      const judged = chainViolations(chain, result.trials, result.lane.policyId)
      windows += judged.windows
      violations.push(...judged.violations)
      missing.push(...missingRecords(result.reads, chain))
      other.push(...result.reads.filter((r) => r.status !== 200 && r.status !== 403))
      reads += result.reads.length
      released += result.reads.filter((r) => r.released).length
    }
    if (REPORT) {
      const sorted = results.flatMap((r) => r.ackMs).sort((x, y) => x - y)
      const pct = (p: number) => sorted[Math.floor((sorted.length - 1) * p)]?.toFixed(1)
      console.info(
        `zero window across instances: ${trials} revokes through A (${LANES} policies side by side), ${reads} key requests through B and C ` +
          `(${released} keys released), ${inside} requests sent after a revoke returned and answered before the unrevoke: ` +
          `${keysInside.length} not 403; chain windows ${windows}, releases inside them ${violations.length}; ` +
          `keys without a record ${missing.length}; revoke ack p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`,
      )
    }
    expect(trials).toBeGreaterThanOrEqual(TRIALS)
    expect(windows).toBe(trials)
    expect(keysInside).toEqual([])
    expect(violations).toEqual([])
    expect(missing).toEqual([])
    expect(released).toBeGreaterThan(trials)
    expect(other).toEqual([])
  }, 300_000) // 30–45 s alone on 2 cores; the zero-window file's bound, for a test file beside it

  it(`a lockdown through A applies on C at once; lifting it through C applies on A at once (${LOCKDOWN_TRIALS} trials)`, async () => {
    const throughA = fixture.adminOn(a.url)
    const throughC = fixture.adminOn(c.url)
    const scopes = [
      { all: true as const },
      { bucket: 'hr', prefix: 'payroll/' },
      { owner: 'ld-owner@example.com' },
    ]
    // C reads while the lockdown is added through A; A reads while it is lifted through C.
    const loops = fixture.reads.map((read, i) => ({ instance: i % 2 === 0 ? c : a, read }))
    const run = storm(loops)
    const locked: Trial[] = []
    const open: { acked: number; undoSent: number }[] = []
    let lastLift = 0
    try {
      await run.released(0)
      for (let i = 0; i < LOCKDOWN_TRIALS; i++) {
        await sleep(randomInt(0, 3))
        const liftSentBefore = ++clock
        if (i > 0) open.push({ acked: lastLift, undoSent: liftSentBefore })
        const rule = await throughA.client.lockdown({
          ...(scopes[i % scopes.length] as (typeof scopes)[number]),
          reason: `drill ${i}`,
        })
        const acked = ++clock
        const changeRequestId = throughA.lastRequestId()
        await run.after(acked, 2)
        const undoSent = ++clock
        await throughC.client.liftLockdown(rule.id, `drill ${i} over`)
        lastLift = ++clock
        locked.push({ acked, undoSent, changeRequestId, undoRequestId: throughC.lastRequestId() })
        // Lifted: the very next requests, on A as on C, get keys again.
        await run.after(lastLift, 2)
      }
    } finally {
      await run.stop()
    }
    const chain = await readChain(group.database)
    const inside = insideWindows(run.reads, locked)
    const onC = inside.filter((r) => r.instance === 'c')
    const keysInside = inside.filter((r) => r.status !== 403)
    const afterLift = run.reads.filter((r) =>
      open.some((w) => r.sent > w.acked && r.answered < w.undoSent),
    )
    const deniedAfterLift = afterLift.filter((r) => !r.released)
    const { violations, windows } = chainViolations(chain, locked, fixture.policyId)
    const missing = missingRecords(run.reads, chain)
    if (REPORT) {
      console.info(
        `lockdown across instances: ${locked.length} rules added through A and lifted through C; ` +
          `${inside.length} requests while locked (${onC.length} on C): ${keysInside.length} not 403; ` +
          `${afterLift.length} requests after a lift (${afterLift.filter((r) => r.instance === 'a').length} on A): ` +
          `${deniedAfterLift.length} without a key; chain windows ${windows}, releases inside ${violations.length}; ` +
          `keys without a record ${missing.length}`,
      )
    }
    expect(windows).toBe(LOCKDOWN_TRIALS)
    expect(onC.length).toBeGreaterThanOrEqual(LOCKDOWN_TRIALS * 2)
    expect(keysInside).toEqual([])
    expect(violations).toEqual([])
    expect(afterLift.filter((r) => r.instance === 'a').length).toBeGreaterThan(LOCKDOWN_TRIALS)
    expect(deniedAfterLift).toEqual([])
    expect(missing).toEqual([])
    // The denials name the rule that blocked them.
    const denials = chain.filter((r) => r.type === 'key.release.denied')
    expect(denials.length).toBeGreaterThan(0)
    expect(denials.every((r) => r.reason === 'lockdown' || r.reason === 'revoked')).toBe(true)
  })

  it('the chain the three instances wrote verifies (latch audit verify --database)', async () => {
    await fetch(`${a.url}/v1/audit/checkpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${group.adminToken}` },
    })
    const verified = await runCli(['audit', 'verify', '--database', group.database, '--json'])
    expect(verified.code, verified.stdout + verified.stderr).toBe(0)
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, problems: [] })
  })
})
