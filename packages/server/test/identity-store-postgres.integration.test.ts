import { createDatabase } from '@latch/testkit/postgres'
import pg from 'pg'
import { expect, inject, it } from 'vitest'
import { openPostgresStore } from '../src/store/postgres/open-postgres-store.js'
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/schema.js'
import {
  describeIdentityStoreContract,
  expectLegacyMigrated,
  LEGACY,
  legacyHash,
} from './identity-store-contract.js'

const bounds = { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 }

describeIdentityStoreContract('postgres', async (given) =>
  openPostgresStore({
    url: await createDatabase(inject('postgresUrl')),
    tailBounds: given ?? bounds,
  }),
)

it('the identity migration takes each existing token’s minter from the audit log (postgres)', async () => {
  const url = await createDatabase(inject('postgresUrl'))
  const identity = POSTGRES_MIGRATIONS.findIndex((m) => m.includes('minted_by'))
  expect(identity).toBeGreaterThan(0)
  // A database as the migrations before it left it, with users, tokens and records.
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(
      'CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())',
    )
    for (const [index, migration] of POSTGRES_MIGRATIONS.slice(0, identity).entries()) {
      await client.query(migration)
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [index + 1])
    }
    const time = '2025-01-01T00:00:00.000Z'
    for (const email of LEGACY.users) {
      await client.query("INSERT INTO users VALUES ($1, 'user', false, NULL, $2)", [email, time])
    }
    for (const t of LEGACY.tokens) {
      await client.query('INSERT INTO tokens VALUES ($1, $2, $3, $4, NULL)', [
        t.id,
        t.email,
        legacyHash(t.token),
        time,
      ])
    }
    for (const [i, record] of LEGACY.records.entries()) {
      const bytes = Buffer.from(JSON.stringify({ ...record, seq: i + 1, time, v: 1 }))
      await client.query(
        'INSERT INTO audit_log (seq, record, entry_hash, actor, type, time) VALUES ($1, $2, $3, $4, $5, $6)',
        [i + 1, bytes, Buffer.alloc(32), record.actor.email, record.type, time],
      )
    }
  } finally {
    await client.end()
  }
  const store = await openPostgresStore({ url, tailBounds: bounds })
  await expectLegacyMigrated(store)
  await store.close()
})
