import type Database from 'better-sqlite3'
import { SQLITE_FAMILY_TYPES } from './sqlite-audit-query.js'

// The database clock, as the ISO 8601 text (milliseconds, UTC) every time column holds.
const NOW = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`

const SQL = {
  now: `SELECT ${NOW} AS now`,
  initSetting: 'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING',
  getSetting: 'SELECT value FROM settings WHERE name = ?',
  listKeys: 'SELECT * FROM server_keys ORDER BY created_at, kid',
  addKey: 'INSERT INTO server_keys VALUES (?, ?, ?, ?, ?)',
  resealKey:
    'UPDATE server_keys SET sealed_private_key = ? WHERE kid = ? AND sealed_private_key = ?',
  getUser: 'SELECT * FROM users WHERE email = ?',
  listUsers: 'SELECT * FROM users ORDER BY email',
  addUser: `INSERT INTO users (email, role, may_assign_owner, created_at, oidc_issuer, oidc_subject)
       VALUES (?, ?, ?, ${NOW}, ?, ?)`,
  linkUser: 'UPDATE users SET oidc_issuer = ?, oidc_subject = ? WHERE email = ?',
  userByOidc: 'SELECT email FROM users WHERE oidc_issuer = ? AND oidc_subject = ?',
  disableUser: `UPDATE users SET disabled_at = ${NOW} WHERE email = ? AND disabled_at IS NULL`,
  addToken: `INSERT INTO tokens (id, email, hash, created_at, minted_by) VALUES (?, ?, ?, ${NOW}, ?)`,
  revokeToken: `UPDATE tokens SET revoked_at = ${NOW} WHERE id = ? AND revoked_at IS NULL`,
  listTokens: 'SELECT * FROM tokens WHERE email = ? ORDER BY created_at, id',
  findLiveToken: `SELECT t.*, u.role, u.may_assign_owner, u.disabled_at, u.created_at AS user_created_at,
         u.oidc_issuer, u.oidc_subject
       FROM tokens t JOIN users u ON u.email = t.email
       WHERE t.hash = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL`,
  getPolicy: 'SELECT * FROM policies WHERE id = ?',
  addPolicy: `INSERT INTO policies VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, 1, ${NOW}, ?)`,
  bumpPolicy: 'UPDATE policies SET version = version + 1 WHERE id = ?',
  changePolicy: `UPDATE policies SET readers = ?, expires_at = ?, revoked_by = ?, revoked_at = ?,
         revoked_reason = ?, version = version + 1 WHERE id = ?`,
  listObjects: 'SELECT * FROM policy_objects WHERE policy_id = ? ORDER BY registered_at, rowid',
  // The objects of several policies (ids as a JSON array), each policy's in the order above.
  listObjectsOf: `SELECT * FROM policy_objects WHERE policy_id IN (SELECT value FROM json_each(?))
       ORDER BY registered_at, rowid`,
  getObject: 'SELECT core_hash FROM policy_objects WHERE policy_id = ? AND object_id = ? LIMIT 1',
  // Never an update: every location stays, and lockdowns cover a policy by any of them.
  addObject: `INSERT INTO policy_objects VALUES (?, ?, ?, ?, ?, ${NOW}) ON CONFLICT DO NOTHING`,
  getRule: 'SELECT * FROM lockdown_rules WHERE id = ?',
  addRule: `INSERT INTO lockdown_rules VALUES (?, ?, ?, ?, ?, ?, ?, ${NOW}, NULL, NULL, NULL)`,
  liftRule: `UPDATE lockdown_rules SET lifted_by = ?, lifted_at = ${NOW}, lifted_reason = ? WHERE id = ?`,
  activeRules: 'SELECT * FROM lockdown_rules WHERE lifted_at IS NULL ORDER BY created_at, id',
  allRules: 'SELECT * FROM lockdown_rules ORDER BY created_at, id',
  // Prefixes compare with substr, not LIKE: '%' and '_' in a prefix are literal characters.
  // Every registered location of the policy counts. `+o.bucket` keeps the planner on the index
  // by policy (the policy's few locations): on the (bucket, key) index each rule walked every
  // object of the bucket, 1.4 s per decision with 10 rules over a bucket of 1,000,000 objects
  // (bench: lockdown).
  coveringRules: `SELECT r.id FROM lockdown_rules r WHERE r.lifted_at IS NULL AND (
         r.scope_kind = 'all'
         OR (r.scope_kind = 'owner' AND r.owner = @owner)
         OR (r.scope_kind = 'bucket' AND EXISTS (
           SELECT 1 FROM policy_objects o WHERE o.policy_id = @policy AND +o.bucket = r.bucket
             AND substr(o.key, 1, length(r.prefix)) = r.prefix)))
       ORDER BY r.created_at, r.id`,
  reachAll: `SELECT (SELECT count(*) FROM policies) AS policies,
         (SELECT count(*) FROM policy_objects) AS objects`,
  reachOwner: `SELECT (SELECT count(*) FROM policies WHERE owner = ?) AS policies,
         (SELECT count(*) FROM policy_objects o JOIN policies p ON p.id = o.policy_id
          WHERE p.owner = ?) AS objects`,
  reachBucket: `SELECT count(DISTINCT policy_id) AS policies, count(*) AS objects FROM policy_objects
       WHERE bucket = @bucket AND substr(key, 1, length(@prefix)) = @prefix`,
  getHead: 'SELECT * FROM audit_head WHERE id = 1',
  anyActiveRule: 'SELECT EXISTS (SELECT 1 FROM lockdown_rules WHERE lifted_at IS NULL) AS any',
  advanceHead: `UPDATE audit_head SET size = ?, head_hash = ?,
         first_unsigned_at = coalesce(first_unsigned_at, ?) WHERE id = 1`,
  signHead:
    'UPDATE audit_head SET signed_size = ?, signed_at = ?, first_unsigned_at = ? WHERE id = 1',
  appendAudit: 'INSERT INTO audit_log (seq, record, entry_hash) VALUES (?, ?, ?)',
  // Entry hash and record as one blob, as in scanAudit below.
  readAudit:
    'SELECT seq, length(entry_hash), CAST(entry_hash || record AS BLOB) FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?',
  indexAudit: 'INSERT INTO audit_index VALUES (?, ?, ?, ?, ?)',
  familyTypes: SQLITE_FAMILY_TYPES,
  entryHash: 'SELECT entry_hash FROM audit_log WHERE seq = ?',
  // One blob per row, split in JS: better-sqlite3 makes a Buffer per blob column, and one per row
  // reads about twice as fast as two (docs/PERFORMANCE.md). STRICT BLOB columns: length() counts
  // bytes.
  scanAudit:
    'SELECT seq, length(entry_hash), CAST(entry_hash || record AS BLOB) FROM audit_log ORDER BY seq',
  // The database clock records use, never before the newest record time or the previous
  // checkpoint's (a clock stepped back): a checkpoint is never timed before a record it covers.
  // ISO 8601 text in one format compares as time; max() of text is the latest.
  checkpointTime: `SELECT max(${NOW}, ifnull((SELECT max(time) FROM audit_index), ''),
         ifnull((SELECT signed_at FROM checkpoints ORDER BY rowid DESC LIMIT 1), '')) AS time`,
  addCheckpoint: 'INSERT INTO checkpoints (size, note, signed_at) VALUES (?, ?, ?)',
  listCheckpoints: 'SELECT * FROM checkpoints ORDER BY rowid',
  latestCheckpoint: 'SELECT * FROM checkpoints ORDER BY rowid DESC LIMIT 1',
} as const

/** The statements of the SQLite store, prepared, by name. */
export type SqliteStatements = { readonly [Name in keyof typeof SQL]: Database.Statement }

/**
 * Prepares every fixed statement of the SQLite store once, when it opens: the store runs them by
 * name. The times the store sets come from the database clock.
 *
 * @param db an open database, migrated unless it is read-only.
 */
export function prepareSqliteStatements(db: Database.Database): SqliteStatements {
  return Object.fromEntries(
    Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)]),
  ) as SqliteStatements
}
