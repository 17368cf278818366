import { randomBytes } from 'node:crypto'
import { genesisHash } from '@latch/audit'
import type pg from 'pg'
import { ADVISORY_LOCKS } from './advisory-locks.js'
import { POSTGRES_MIGRATIONS } from './schema.js'

/**
 * Brings the database to the newest schema: in one transaction under an exclusive advisory lock,
 * runs each missing migration of {@link POSTGRES_MIGRATIONS}, recording it in
 * `schema_migrations`, then fixes the audit chain's origin and its empty head on first start.
 * Several instances may start at once: the first migrates, the others wait and find it done.
 *
 * @param pool the store's pool.
 * @returns the audit chain's origin.
 * @throws whatever the driver throws (the caller maps it to `ERR_STORE_UNAVAILABLE`).
 */
export async function migratePostgres(pool: pg.Pool): Promise<string> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.migration.toString()])
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
    )
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    )
    for (const [index, sql] of POSTGRES_MIGRATIONS.entries()) {
      const version = index + 1
      if (done.has(version)) continue
      await client.query(sql)
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version])
    }
    await client.query(
      'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      ['audit_origin', `latch-audit/${randomBytes(9).toString('base64url')}`],
    )
    const origin = (
      await client.query<{ value: string }>(
        "SELECT value FROM settings WHERE name = 'audit_origin'",
      )
    ).rows[0]?.value as string
    await client.query(
      `INSERT INTO audit_head (id, size, head_hash, signed_size) VALUES (1, 0, $1, 0)
       ON CONFLICT DO NOTHING`,
      [genesisHash(origin)],
    )
    await client.query('COMMIT')
    client.release()
    return origin
  } catch (error) {
    client.release(true)
    throw error
  }
}
