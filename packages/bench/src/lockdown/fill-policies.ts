import { randomBytes } from 'node:crypto'
import { openSqliteStore } from '@latch/server'
// The key server's own SQLite driver, resolved from the workspace root where npm hoists it: the
// fill writes the server's tables directly, with the same library and version the store uses.
import Database from 'better-sqlite3'

/** The key prefixes of the filled objects, in bucket `b`, and each one's share of the policies. */
export const FILL_PREFIXES = [
  { prefix: 'incident/', share: 0.8 },
  { prefix: 'reports/', share: 0.15 },
  { prefix: 'archive/', share: 0.05 },
] as const

/** The bucket of every filled object. */
export const FILL_BUCKET = 'b'

/** The owners the filled policies are spread over. */
export const FILL_OWNERS = 100

/**
 * Creates a key server database at `file` (through `openSqliteStore`, so that the schema is the
 * server's, migrations included), then fills it with `count` policies, each with one object
 * registered in bucket `b` under one of {@link FILL_PREFIXES}, in one transaction of prepared
 * INSERTs straight into `policies` and `policy_objects`. Fixture data only: no audit record is
 * appended for them, which a real server would do, one transaction each. Ends with a WAL
 * checkpoint (TRUNCATE), so the database is one file that can be copied.
 *
 * Policy `i` is `pol_` and `i` in 8 digits, owned by `owner{i % 100}@bench.example`, readable by
 * `reader@bench.example`; its object's key is `{prefix}{i}.bin`.
 *
 * @returns the fill's wall time in milliseconds.
 */
export async function fillPolicies(file: string, count: number): Promise<number> {
  const store = openSqliteStore({
    file,
    tailBounds: { maxUnsignedRecords: 1e9, maxUnsignedAgeMs: 1e12 },
  })
  await store.close()
  const started = performance.now()
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    const addPolicy = db.prepare(
      `INSERT INTO policies VALUES (?, ?, '["reader@bench.example"]', NULL, '{}', NULL, NULL, NULL,
         1, '2026-01-01T00:00:00.000Z', ?)`,
    )
    const addObject = db.prepare(
      `INSERT INTO policy_objects VALUES (?, ?, ?, '${FILL_BUCKET}', ?, '2026-01-01T00:00:00.000Z')`,
    )
    const noise = randomBytes(48)
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const id = policyIdAt(i)
        const owner = ownerAt(i)
        addPolicy.run(id, owner, owner)
        // Object ids and core hashes of the real lengths (16 and 32 bytes, base64url), distinct.
        noise.writeUInt32BE(i, 0)
        addObject.run(
          id,
          noise.subarray(0, 16).toString('base64url'),
          noise.subarray(16, 48).toString('base64url'),
          `${prefixAt(i, count)}${i}.bin`,
        )
      }
    }).immediate()
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
  return performance.now() - started
}

/** The id of filled policy `i`. */
export function policyIdAt(i: number): string {
  return `pol_${String(i).padStart(8, '0')}`
}

/** The owner of filled policy `i`. */
export function ownerAt(i: number): string {
  return `owner${i % FILL_OWNERS}@bench.example`
}

/** The key prefix of filled policy `i` of `count`: the first 80 % `incident/`, and so on. */
export function prefixAt(i: number, count: number): string {
  let bound = 0
  for (const { prefix, share } of FILL_PREFIXES) {
    bound += share * count
    if (i < bound) return prefix
  }
  return FILL_PREFIXES[2].prefix
}
