import net from 'node:net'
import { createDatabase } from '@latch/testkit/postgres'
import pg from 'pg'
import { describe, expect, inject, it, vi } from 'vitest'
import { Checkpointer } from '../src/audit/checkpointer.js'
import { verifyStore } from '../src/audit/verify-store.js'
import { KeyRing } from '../src/keys/key-ring.js'
import { createRootKeySealer } from '../src/keys/key-sealer.js'
import { openPostgresStore } from '../src/store/postgres/open-postgres-store.js'
import type { Store } from '../src/store/store.js'
import { describeStoreContract } from './store-contract.js'

const bounds = { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 }

const urls = new WeakMap<Store, string>()

describeStoreContract(
  'postgres',
  async (given) => {
    const url = await createDatabase(inject('postgresUrl'))
    const store = await openPostgresStore({ url, tailBounds: given ?? bounds })
    urls.set(store, url)
    return store
  },
  async (store, statement) => {
    const client = new pg.Client({ connectionString: urls.get(store) as string })
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  },
)

// What only a shared database has: several stores (instances) on one database at once.
describe('several PostgreSQL stores on one database', () => {
  it('migrate together: five stores opened at once on an empty database agree on one origin', async () => {
    const url = await createDatabase(inject('postgresUrl'))
    const stores = await Promise.all(
      Array.from({ length: 5 }, () => openPostgresStore({ url, tailBounds: bounds })),
    )
    expect(new Set(stores.map((s) => s.auditOrigin)).size).toBe(1)
    for (const store of stores) await store.close()
  })

  it('append to one chain from three stores at once: contiguous, in commit order, verified', async () => {
    const url = await createDatabase(inject('postgresUrl'))
    const stores = await Promise.all(
      Array.from({ length: 3 }, () => openPostgresStore({ url, tailBounds: bounds })),
    )
    const seqs = await Promise.all(
      stores.flatMap((store, s) =>
        Array.from({ length: 200 }, (_, i) =>
          store.appendAudit({ type: 'server.start', actor: { email: `s${s}@x.org` }, i }),
        ),
      ),
    )
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1))
    const first = stores[0] as Store
    const keys = await KeyRing.open(first, createRootKeySealer(Buffer.alloc(32, 7)))
    await new Checkpointer(first, keys, { intervalMs: 60_000, records: 10_000 }).sign()
    const report = await verifyStore(first)
    expect(report).toMatchObject({ ok: true, records: 602, unsignedRecords: 0 })
    for (const store of stores) await store.close()
  })

  it('grant the checkpoint lease to one store at a time, and to another once the holder closes', async () => {
    const url = await createDatabase(inject('postgresUrl'))
    const [a, b] = await Promise.all([
      openPostgresStore({ url, tailBounds: bounds }),
      openPostgresStore({ url, tailBounds: bounds }),
    ])
    if (a === undefined || b === undefined) throw new Error('no stores')
    const held = await Promise.all([a.holdCheckpointLease?.(), b.holdCheckpointLease?.()])
    expect(held.filter((h) => h === true)).toHaveLength(1)
    const [holder, other] = held[0] === true ? [a, b] : [b, a]
    expect(await holder.holdCheckpointLease?.()).toBe(true)
    expect(await other.holdCheckpointLease?.()).toBe(false)
    await holder.close()
    expect(await other.holdCheckpointLease?.()).toBe(true)
    await other.close()
  })
})

describe('the PostgreSQL store on the wire', () => {
  it('sends a key-release decision in two writes: BEGIN, its locks and the read; then the record and COMMIT', async () => {
    const store = await openPostgresStore({
      url: await createDatabase(inject('postgresUrl')),
      tailBounds: bounds,
    })
    await store.createPolicy(
      {
        id: 'p-1',
        owner: 'o@x.org',
        readers: [],
        expiresAt: undefined,
        labels: {},
        createdBy: 'o',
      },
      { type: 'policy.create' },
    )
    const decide = () =>
      store.decide({
        policyId: 'p-1',
        judge: () => ({ permit: true, reason: 'owner' }),
        record: () => ({ type: 'key.release' }),
      })
    // The first decision on a connection prepares its named statements (in the same writes).
    await decide()
    // Each write the socket flushes, however many messages it carries (corked ones go in one).
    const socket = net.Socket.prototype as unknown as Record<'_write' | '_writev', () => void>
    const flushes = [vi.spyOn(socket, '_write'), vi.spyOn(socket, '_writev')]
    const count = () => flushes.reduce((n, spy) => n + spy.mock.calls.length, 0)
    try {
      expect((await decide()).verdict.permit).toBe(true)
      expect(count()).toBe(2)
    } finally {
      for (const spy of flushes) spy.mockRestore()
    }
    await store.close()
  })
})
