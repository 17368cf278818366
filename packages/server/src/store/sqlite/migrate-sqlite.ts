import { randomBytes } from 'node:crypto'
import { genesisHash } from '@latch/audit'
import type Database from 'better-sqlite3'
import { SQLITE_MIGRATIONS } from './schema.js'

/**
 * Brings a writable SQLite database to the newest schema: runs each missing migration of
 * {@link SQLITE_MIGRATIONS} in a transaction of its own, bumping `PRAGMA user_version`, then
 * fixes the audit chain's origin and its empty head on first start.
 *
 * @param db the database, opened for writing.
 * @returns the audit chain's origin.
 * @throws whatever better-sqlite3 throws (the caller maps it to `ERR_STORE_UNAVAILABLE`).
 */
export function migrateSqlite(db: Database.Database): string {
  const current = db.pragma('user_version', { simple: true }) as number
  for (let version = current; version < SQLITE_MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS[version] as string)
      db.pragma(`user_version = ${version + 1}`)
    }).immediate()
  }
  return db
    .transaction(() => {
      db.prepare('INSERT INTO settings VALUES (?, ?) ON CONFLICT DO NOTHING').run(
        'audit_origin',
        `latch-audit/${randomBytes(9).toString('base64url')}`,
      )
      const origin = (
        db.prepare("SELECT value FROM settings WHERE name = 'audit_origin'").get() as {
          value: string
        }
      ).value
      db.prepare(
        'INSERT INTO audit_head (id, size, head_hash, signed_size) VALUES (1, 0, ?, 0) ON CONFLICT DO NOTHING',
      ).run(genesisHash(origin))
      return origin
    })
    .immediate()
}
