import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { expect, it } from 'vitest'
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js'
import { describeStoreContract } from './store-contract.js'

const bounds = { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 }

describeStoreContract('sqlite', async (given) =>
  openSqliteStore({
    file: join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db'),
    tailBounds: given ?? bounds,
  }),
)

it('indexes the records a database written before the audit index already holds', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'latch-store-')), 'latch.db')
  const store = openSqliteStore({ file, tailBounds: bounds })
  await store.appendAudit({ type: 'key.release', actor: { email: 'r@x.org' }, policy_id: 'p-1' })
  await store.appendAudit({ type: 'user.create', actor: { email: 'a@x.org' } })
  await store.close()
  // Back to the first schema version, as a database from before the index.
  const db = new Database(file)
  db.exec('DROP TABLE audit_index; DROP TABLE lockdown_rules; PRAGMA user_version = 1')
  db.close()
  const reopened = openSqliteStore({ file, tailBounds: bounds })
  expect((await reopened.queryAudit({ policyId: 'p-1' }, 0, 10)).map((r) => r.seq)).toEqual([1])
  expect((await reopened.queryAudit({ actor: 'a@x.org' }, 0, 10)).map((r) => r.seq)).toEqual([2])
  await reopened.close()
})
