import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDatabase } from '@latch/testkit/postgres'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { SYSTEM_IDENTITY } from '../src/auth/identity.js'
import { evaluateRelease } from '../src/policy/evaluate-release.js'
import { openPostgresStore } from '../src/store/postgres/open-postgres-store.js'
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/schema.js'
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js'
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/schema.js'
import type { Store } from '../src/store/store.js'

// Databases written when an object had one location (moved on re-registration) keep their
// objects when the newer migrations run, and then keep every location from there on.

const bounds = { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 }
const owner = { ...SYSTEM_IDENTITY, email: 'o@x.org', role: 'user' as const }
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** What both upgraded stores must show: the old rows, then every new location kept. */
async function expectUpgraded(store: Store): Promise<void> {
  const locations = async () =>
    ((await store.getPolicy('p-1'))?.objects ?? []).map((o) => [o.objectId, o.bucket, o.key])
  expect(await locations()).toEqual([
    ['o1', 'hr', 'payroll/jan.pdf'],
    ['o2', undefined, undefined],
  ])
  await store.addLockdownRule(
    {
      id: 'ld_00000000000000000001',
      scope: { kind: 'bucket', bucket: 'hr', prefix: 'payroll/' },
      reason: 'r',
      createdBy: 's',
    },
    () => ({ type: 'lockdown.add' }),
  )
  await store.addPolicyObject(
    'p-1',
    { objectId: 'o1', coreHash: 'h1', bucket: 'scratch', key: 'x' },
    () => ({ type: 'policy.object.add' }),
  )
  const decision = await store.decide({
    policyId: 'p-1',
    judge: (policy, now, lockdowns) => evaluateRelease(policy, owner, now, lockdowns),
    record: () => ({ type: 'key.release.denied' }),
  })
  expect(decision.verdict).toEqual({ permit: false, reason: 'lockdown' })
  expect(await locations()).toHaveLength(3)
}

describe('upgrading a database written with one location per object', () => {
  it('SQLite: keeps every registered object through the rebuild of policy_objects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latch-upgrade-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const file = join(dir, 'latch.db')
    const db = new Database(file)
    for (const [version, sql] of SQLITE_MIGRATIONS.slice(0, 2).entries()) {
      db.exec(sql)
      db.pragma(`user_version = ${version + 1}`)
    }
    db.exec(`
      INSERT INTO policies VALUES ('p-1', 'o@x.org', '[]', NULL, '{}', NULL, NULL, NULL, 3,
        '2026-01-01T00:00:00.000Z', 'o@x.org');
      INSERT INTO policy_objects VALUES ('p-1', 'o1', 'h1', 'hr', 'payroll/jan.pdf',
        '2026-01-01T00:00:01.000Z');
      INSERT INTO policy_objects VALUES ('p-1', 'o2', 'h2', NULL, NULL, '2026-01-01T00:00:02.000Z');
    `)
    db.close()
    const store = openSqliteStore({ file, tailBounds: bounds })
    cleanups.push(() => store.close())
    await expectUpgraded(store)
  })

  it('PostgreSQL: keeps every registered object, and decisions append through the replaced latch_append', async () => {
    const url = await createDatabase(inject('postgresUrl'))
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    await client.query(
      `CREATE TABLE schema_migrations (
         version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
    )
    await client.query(POSTGRES_MIGRATIONS[0] as string)
    await client.query('INSERT INTO schema_migrations (version) VALUES (1)')
    await client.query(`
      INSERT INTO policies VALUES ('p-1', 'o@x.org', '[]', NULL, '{}', NULL, NULL, NULL, 3,
        '2026-01-01T00:00:00.000Z', 'o@x.org');
      INSERT INTO policy_objects (policy_id, object_id, core_hash, bucket, key, registered_at)
        VALUES ('p-1', 'o1', 'h1', 'hr', 'payroll/jan.pdf', '2026-01-01T00:00:01.000Z'),
               ('p-1', 'o2', 'h2', NULL, NULL, '2026-01-01T00:00:02.000Z');
    `)
    await client.end()
    const store = await openPostgresStore({ url, tailBounds: bounds })
    cleanups.push(() => store.close())
    await expectUpgraded(store)
  })
})
