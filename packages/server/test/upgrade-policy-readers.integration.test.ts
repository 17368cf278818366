import { createDatabase } from '@latch/testkit/postgres'
import pg from 'pg'
import { expect, inject, it } from 'vitest'
import { openPostgresStore } from '../src/store/postgres/open-postgres-store.js'
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/schema.js'

// A PostgreSQL database written before policy lists (migrations 1–4), or before the reader index
// held creation times (1–5), lists each policy to its readers newest first once upgraded, and
// keeps doing so as its readers change. (SQLite: store-sqlite.)

it.each([4, 5])(
  'PostgreSQL of schema %i: finds the readers of the policies it holds, and follows changes',
  async (version) => {
    const url = await createDatabase(inject('postgresUrl'))
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    await client.query(
      `CREATE TABLE schema_migrations (
       version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
    )
    for (const [i, migration] of POSTGRES_MIGRATIONS.slice(0, version).entries()) {
      await client.query(migration)
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [i + 1])
    }
    await client.query(`
    INSERT INTO policies VALUES
      ('p-1', 'o@x.org', '["bob@y.org","*@z.org"]', NULL, '{}', NULL, NULL, NULL, 1,
        '2026-01-01T00:00:00.000Z', 'o@x.org'),
      ('p-2', 'o@x.org', '[]', NULL, '{}', NULL, NULL, NULL, 1,
        '2026-01-02T00:00:00.000Z', 'o@x.org'),
      ('p-3', 'o@x.org', '["bob@y.org"]', NULL, '{}', NULL, NULL, NULL, 1,
        '2026-01-03T00:00:00.000Z', 'o@x.org');
  `)
    await client.end()
    const store = await openPostgresStore({
      url,
      tailBounds: { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 },
    })
    try {
      const visible = async (email: string) =>
        (await store.listPolicies({ visibleTo: email }, { limit: 10 })).map((p) => p.id)
      expect(await visible('bob@y.org')).toEqual(['p-3', 'p-1'])
      expect(await visible('eve@z.org')).toEqual(['p-1'])
      expect(await visible('o@x.org')).toEqual(['p-3', 'p-2', 'p-1'])
      await store.changePolicy('p-2', () => ({
        patch: { readers: ['eve@z.org'] },
        audit: { type: 'policy.share' },
      }))
      expect(await visible('eve@z.org')).toEqual(['p-2', 'p-1'])
      expect(await visible('bob@y.org')).toEqual(['p-3', 'p-1'])
    } finally {
      await store.close()
    }
  },
)
