import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { expect, it } from 'vitest'
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js'
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/schema.js'
import {
  describeIdentityStoreContract,
  expectLegacyMigrated,
  LEGACY,
  legacyHash,
} from './identity-store-contract.js'

const bounds = { maxUnsignedRecords: 100_000, maxUnsignedAgeMs: 300_000 }
const tempFile = () => join(mkdtempSync(join(tmpdir(), 'latch-identity-')), 'latch.db')

describeIdentityStoreContract('sqlite', async (given) =>
  openSqliteStore({ file: tempFile(), tailBounds: given ?? bounds }),
)

it('the identity migration takes each existing token’s minter from the audit log (sqlite)', async () => {
  const file = tempFile()
  const identity = SQLITE_MIGRATIONS.findIndex((m) => m.includes('minted_by'))
  expect(identity).toBeGreaterThan(0)
  // A database as the migrations before it left it, with users, tokens and records.
  const db = new Database(file)
  for (const migration of SQLITE_MIGRATIONS.slice(0, identity)) db.exec(migration)
  db.pragma(`user_version = ${identity}`)
  const time = '2025-01-01T00:00:00.000Z'
  for (const email of LEGACY.users) {
    db.prepare("INSERT INTO users VALUES (?, 'user', 0, NULL, ?)").run(email, time)
  }
  for (const t of LEGACY.tokens) {
    db.prepare('INSERT INTO tokens VALUES (?, ?, ?, ?, NULL)').run(
      t.id,
      t.email,
      legacyHash(t.token),
      time,
    )
  }
  for (const [i, record] of LEGACY.records.entries()) {
    const bytes = Buffer.from(JSON.stringify({ ...record, seq: i + 1, time, v: 1 }))
    db.prepare('INSERT INTO audit_log VALUES (?, ?, ?)').run(i + 1, bytes, Buffer.alloc(32))
    db.prepare('INSERT INTO audit_index VALUES (?, ?, ?, NULL, ?)').run(
      i + 1,
      record.type,
      record.actor.email,
      time,
    )
  }
  db.close()
  const store = openSqliteStore({ file, tailBounds: bounds })
  await expectLegacyMigrated(store)
  await store.close()
})
