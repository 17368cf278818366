import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AUDIT_TIME_TOLERANCE_MS, buildFileReport } from '@latch/audit'
import { KeyServerClient, KeyServerError, keyServerResolver } from '@latch/client'
import { decryptBuffer } from '@latch/format'
import { createDatabase } from '@latch/testkit/postgres'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { auditEvent } from '../src/audit/audit-event.js'
import { Checkpointer } from '../src/audit/checkpointer.js'
import { SYSTEM_IDENTITY } from '../src/auth/identity.js'
import { KeyRing } from '../src/keys/key-ring.js'
import { createRootKeySealer } from '../src/keys/key-sealer.js'
import { evaluateRelease } from '../src/policy/evaluate-release.js'
import { type RunningServer, startServer } from '../src/server.js'
import { openPostgresStore } from '../src/store/postgres/open-postgres-store.js'
import type { Store } from '../src/store/store.js'
import { encryptFor } from './helpers/encrypt-for.js'

// "nobody obtained the key" must hold on PostgreSQL when a decision stalls
// between its judgement and its append, and when the instance that signs checkpoints has a clock
// that runs ahead. The stall is a real one: the decision's connection goes through a TCP proxy
// that holds back the write carrying its `latch_append` statement (a named statement: its name
// is in the bytes), as a congested network or a paused process would.

const bounds = { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A loopback proxy to PostgreSQL that can hold back the next write naming `latch_append`. */
interface StallingProxy {
  readonly url: string
  /** Holds the next client write that carries `latch_append` for `ms`; resolves when it is held. */
  stallNextAppend(ms: number): Promise<void>
  close(): Promise<void>
}

async function stallingProxy(databaseUrl: string): Promise<StallingProxy> {
  const target = new URL(databaseUrl)
  let stall: { ms: number; held: () => void } | undefined
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = new Socket()
    upstream.connect(Number(target.port), target.hostname)
    sockets.add(client).add(upstream)
    // Writes keep their order: a held one holds the ones after it on this connection.
    let queue = Promise.resolve()
    client.on('data', (chunk: Buffer) => {
      const held = stall !== undefined && chunk.includes('latch_append') ? stall : undefined
      if (held !== undefined) {
        stall = undefined
        held.held()
      }
      queue = queue.then(async () => {
        if (held !== undefined) await sleep(held.ms)
        if (!upstream.destroyed) upstream.write(chunk)
      })
    })
    upstream.on('data', (chunk: Buffer) => {
      if (!client.destroyed) client.write(chunk)
    })
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy())
      a.on('close', () => {
        sockets.delete(a)
        b.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  const url = new URL(databaseUrl)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  return {
    url: url.toString(),
    stallNextAppend: (ms) =>
      new Promise((held) => {
        stall = { ms, held }
      }),
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('per-file reports on PostgreSQL, with a stalled decision and a signer whose clock runs ahead', () => {
  it('lists a release whose decision stalled 3 s while a signer 10 s ahead signed a checkpoint', async () => {
    const database = await createDatabase(inject('postgresUrl'))
    const proxy = await stallingProxy(database)
    cleanups.push(() => proxy.close())
    // Instance A decides (through the proxy); instance B signs checkpoints, its clock 10 s ahead.
    const a = await openPostgresStore({ url: proxy.url, tailBounds: bounds })
    cleanups.push(() => a.close())
    const b = await openPostgresStore({ url: database, tailBounds: bounds })
    cleanups.push(() => b.close())
    const keys = await KeyRing.open(b, createRootKeySealer(Buffer.alloc(32, 7)))
    const signer = new Checkpointer(b, keys, { intervalMs: 60_000, records: 10_000 })
    const signAhead = async () => {
      const now = Date.now
      const ahead = vi.spyOn(Date, 'now').mockImplementation(() => now() + 10_000)
      try {
        await signer.sign()
      } finally {
        ahead.mockRestore()
      }
    }
    const owner = { ...SYSTEM_IDENTITY, email: 'owner@example.com', role: 'user' as const }
    const policyId = 'p-stalled-release-000000'
    await a.createPolicy(
      {
        id: policyId,
        owner: owner.email,
        readers: [],
        expiresAt: undefined,
        labels: {},
        createdBy: owner.email,
      },
      auditEvent('policy.create', owner, undefined, { policy_id: policyId }),
    )
    await signAhead()
    await sleep(5)
    const since = new Date()

    let judgedAt: Date | undefined
    const held = proxy.stallNextAppend(3_000)
    const decision = a.decide({
      policyId,
      judge: (policy, now, lockdowns) => {
        judgedAt = now
        return evaluateRelease(policy, owner, now, lockdowns)
      },
      record: (verdict, policy) =>
        auditEvent('key.release', owner, undefined, {
          decision: 'permit',
          reason: verdict.reason,
          policy_id: policyId,
          policy_version: policy?.version ?? null,
        }),
    })
    await held
    // During the stall, the signer (10 s ahead) signs the head, which does not hold the record.
    await sleep(1_000)
    await signAhead()
    const { verdict, seq } = await decision
    expect(verdict).toEqual({ permit: true, reason: 'owner' })
    const judged = (judgedAt as Date).getTime()
    const until = new Date(judged + 100)
    const [row] = await b.readAudit(seq - 1, 1)
    const record = JSON.parse(Buffer.from(row?.recordBytes ?? []).toString()) as { time: string }
    expect(Date.parse(record.time)).toBe(judged)

    // `latch audit report` waits until a checkpoint can be timed far enough after the window.
    await sleep(until.getTime() + AUDIT_TIME_TOLERANCE_MS - Date.now() + 50)
    await signAhead()
    const checkpoints = await b.listCheckpoints()
    const report = await buildFileReport({
      policyId,
      since,
      until,
      origin: b.auditOrigin,
      key: keys.checkpointKey,
      notes: checkpoints.map((c) => c.note),
      rows: (after, upTo) => rowsOf(b, after, upTo),
    })
    // On a signer's clock the report ended at the checkpoint signed during the stall, before the
    // record, and concluded that nobody obtained the key.
    expect(report.releases).toBe(1)
    expect(report.verification.problems).toEqual([])
    expect(report.verification.ok).toBe(true)
    expect(report.to.size).toBeGreaterThanOrEqual(seq)
    expect(report.events.map((e) => [e.seq, e.type])).toEqual([[seq, 'key.release']])
    expect(report.releasedTo).toEqual({ 'owner@example.com': 1 })
    // Every checkpoint took the database's time, not the signer's.
    for (const c of checkpoints) expect(c.signedAt.getTime()).toBeLessThan(Date.now() + 1_000)
  })

  it('refuses (503 ERR_AUDIT_UNAVAILABLE, no key, no record) a release whose record reaches the chain more than the tolerance after its judgement', async () => {
    const database = await createDatabase(inject('postgresUrl'))
    const proxy = await stallingProxy(database)
    cleanups.push(() => proxy.close())
    const dir = mkdtempSync(join(tmpdir(), 'latch-pg-stall-'))
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
    const server: RunningServer = await startServer({
      dataDir: dir,
      database: proxy.url,
      port: 0,
      logger: false,
    })
    cleanups.push(() => server.close())
    const admin = new KeyServerClient({
      server: server.url,
      token: readFileSync(join(dir, 'admin.token'), 'utf8').trim(),
    })
    const owner = new KeyServerClient({
      server: server.url,
      token: (await admin.createUser('owner@example.com')).token,
    })
    const policy = await owner.createPolicy({})
    const { object } = await encryptFor(owner, policy.id, Buffer.from('secret'))
    const resolver = keyServerResolver({ [(await owner.keys()).kasId]: owner })
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('secret')
    const store = server.services.store
    const before = await store.auditHead()

    const held = proxy.stallNextAppend(AUDIT_TIME_TOLERANCE_MS + 1_000)
    const refused = decryptBuffer(object, resolver).then(
      () => undefined,
      (e: unknown) => e,
    )
    await held
    const error = await refused
    expect(error).toBeInstanceOf(KeyServerError)
    expect((error as KeyServerError).status).toBe(503)
    expect((error as KeyServerError).code).toBe('ERR_AUDIT_UNAVAILABLE')
    expect(await store.auditHead()).toMatchObject({ size: before.size })

    // Nothing stays broken: the next request is judged and chained at once.
    expect(Buffer.from(await decryptBuffer(object, resolver)).toString()).toBe('secret')
    const after = await store.readAudit(before.size, 10)
    expect(after.map((r) => JSON.parse(Buffer.from(r.recordBytes).toString()).type)).toEqual([
      'key.release',
    ])
  })
})

async function* rowsOf(store: Store, after: number, upTo: number) {
  for (const row of await store.readAudit(after, upTo - after)) yield row
}
