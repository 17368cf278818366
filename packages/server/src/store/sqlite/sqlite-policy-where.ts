import { readerEntriesFor } from '../../policy/reader-entries-for.js'
import type { PolicyFilter } from '../records.js'

/**
 * The database clock as ISO 8601 text, like every time column: one value for the whole statement
 * (SQLite reads the clock once per statement).
 */
export const SQLITE_STATEMENT_TIME = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`

/**
 * The SQLite condition on `policies p` of a {@link PolicyFilter}, states judged at
 * {@link SQLITE_STATEMENT_TIME}. Prefixes compare with `substr` and substrings with `instr`, not
 * `LIKE`, so that `%` and `_` are literal; `lower` folds ASCII letters only, as PostgreSQL's does
 * under the "C" collation.
 *
 * @returns the condition (`1` for an empty filter) and its positional values.
 */
export function sqlitePolicyWhere(filter: PolicyFilter): {
  readonly sql: string
  readonly values: unknown[]
} {
  const where: string[] = []
  const values: unknown[] = []
  const readersNaming = (email: string) => {
    const entries = readerEntriesFor(email)
    values.push(...entries)
    return `p.id IN (SELECT policy_id FROM policy_readers WHERE reader IN (${entries.map(() => '?').join(', ')}))`
  }
  if (filter.visibleTo !== undefined) {
    values.push(filter.visibleTo)
    where.push(`(p.owner = ? OR ${readersNaming(filter.visibleTo)})`)
  }
  if (filter.owner !== undefined) {
    where.push('p.owner = ?')
    values.push(filter.owner)
  }
  if (filter.reader !== undefined) where.push(readersNaming(filter.reader))
  if (filter.bucket !== undefined) {
    const prefix = filter.prefix ?? ''
    where.push(`p.id IN (SELECT policy_id FROM policy_objects
      WHERE bucket = ? AND substr(key, 1, ?) = ?)`)
    values.push(filter.bucket, prefix.length, prefix)
  }
  if (filter.label !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM json_each(p.labels) l WHERE l.key = ? AND l.value = ?)`)
    values.push(filter.label.key, filter.label.value)
  }
  if (filter.state === 'revoked') where.push('p.revoked_at IS NOT NULL')
  if (filter.state === 'expired')
    where.push(`p.revoked_at IS NULL AND p.expires_at <= ${SQLITE_STATEMENT_TIME}`)
  if (filter.state === 'active') {
    where.push(
      `p.revoked_at IS NULL AND (p.expires_at IS NULL OR p.expires_at > ${SQLITE_STATEMENT_TIME})`,
    )
  }
  if (filter.search !== undefined) {
    where.push(`(instr(lower(p.id), ?) > 0 OR instr(p.owner, ?) > 0
      OR EXISTS (SELECT 1 FROM policy_readers r WHERE r.policy_id = p.id AND instr(r.reader, ?) > 0)
      OR EXISTS (SELECT 1 FROM policy_objects o WHERE o.policy_id = p.id
        AND (instr(lower(o.bucket), ?) > 0 OR instr(lower(o.key), ?) > 0)))`)
    values.push(...Array.from({ length: 5 }, () => filter.search))
  }
  return { sql: where.length === 0 ? '1' : where.join(' AND '), values }
}
