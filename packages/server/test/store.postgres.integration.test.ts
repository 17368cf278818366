import { createDatabase } from '@latch/testkit/postgres'
import { describe, expect, inject, it } from 'vitest'
import { Checkpointer } from '../src/audit/checkpointer.js'
import { verifyStore } from '../src/audit/verify-store.js'
import { KeyRing } from '../src/keys/key-ring.js'
import { createRootKeySealer } from '../src/keys/key-sealer.js'
import { openPostgresStore } from '../src/store/postgres/postgres-store.js'
import type { Store } from '../src/store/store.js'
import { describeStoreContract } from './store-contract.js'

const bounds = { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 }

describeStoreContract('postgres', async (given) =>
  openPostgresStore({
    url: await createDatabase(inject('postgresUrl')),
    tailBounds: given ?? bounds,
  }),
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

  it('refuse a checkpoint that does not chain to the note stored last (two signers cannot fork the notes)', async () => {
    const url = await createDatabase(inject('postgresUrl'))
    const store = await openPostgresStore({ url, tailBounds: bounds })
    const keys = await KeyRing.open(store, createRootKeySealer(Buffer.alloc(32, 7)))
    const checkpointer = new Checkpointer(store, keys, { intervalMs: 60_000, records: 10_000 })
    await checkpointer.sign()
    const first = await store.latestCheckpoint()
    // A second signer that read no previous note: its note says `prev none`.
    const { signCheckpoint } = await import('@latch/audit')
    const stale = (size: number, headHash: Uint8Array, time: Date) =>
      signCheckpoint(
        { origin: store.auditOrigin, size, headHash, time, previousNoteHash: undefined },
        keys.checkpointSigner,
      )
    const refused = await store.addCheckpoint(stale).then(
      () => undefined,
      (e: unknown) => (e as { code?: string }).code,
    )
    expect(refused).toBe('ERR_CONFLICT')
    expect((await store.latestCheckpoint())?.note).toBe(first?.note)
    await store.close()
  })
})
