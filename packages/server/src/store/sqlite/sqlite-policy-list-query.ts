import { readerEntriesFor } from '../../policy/reader-entries-for.js'
import type { PolicyFilter, PolicyPage } from '../records.js'
import { sqlitePolicyWhere } from './sqlite-policy-where.js'

/**
 * The SQLite statement of `listPolicies`: the policies `filter` matches, newest first (creation
 * time, then id), after `page.after`, at most `page.limit`. An admin's list walks the index by
 * creation and stops at the limit. A user's (`visibleTo`) is the union of the sources of what
 * they may see, each walked newest first through its own index and cut at the limit: the
 * policies they own (by owner and creation), and those each of their reader entries names (by
 * reader and creation, in `policy_readers`). So a page costs about its size whether a user sees
 * a few policies or every one, where one condition with OR made SQLite gather and sort them all.
 *
 * @returns the SQL and its positional values.
 */
export function sqlitePolicyListQuery(
  filter: PolicyFilter,
  page: PolicyPage,
): { readonly sql: string; readonly values: unknown[] } {
  const after = page.after === undefined ? [] : [page.after.createdAt.toISOString(), page.after.id]
  const newest = (created: string, id: string) =>
    `${page.after === undefined ? '' : `AND (${created}, ${id}) < (?, ?)`}
     ORDER BY ${created} DESC, ${id} DESC LIMIT ?`
  if (filter.visibleTo === undefined) {
    const { sql, values } = sqlitePolicyWhere(filter)
    return {
      sql: `SELECT p.* FROM policies p WHERE ${sql} ${newest('p.created_at', 'p.id')}`,
      values: [...values, ...after, page.limit],
    }
  }
  const { visibleTo: _scope, ...others } = filter
  const rest = sqlitePolicyWhere(others)
  const sources = [
    `SELECT id FROM (SELECT p.id FROM policies p WHERE p.owner = ? AND ${rest.sql}
       ${newest('p.created_at', 'p.id')})`,
  ]
  const values: unknown[] = [filter.visibleTo, ...rest.values, ...after, page.limit]
  for (const entry of readerEntriesFor(filter.visibleTo)) {
    // CROSS JOIN: SQLite walks the reader's index in order, then looks each policy up.
    sources.push(`SELECT id FROM (SELECT p.id FROM policy_readers r CROSS JOIN policies p
       ON p.id = r.policy_id WHERE r.reader = ? AND ${rest.sql}
       ${newest('r.created_at', 'r.policy_id')})`)
    values.push(entry, ...rest.values, ...after, page.limit)
  }
  values.push(page.limit)
  return {
    sql: `SELECT p.* FROM policies p WHERE p.id IN (${sources.join(' UNION ')})
      ORDER BY p.created_at DESC, p.id DESC LIMIT ?`,
    values,
  }
}
