import { readerEntriesFor } from '../../policy/reader-entries-for.js'
import type { PolicyFilter, PolicyPage } from '../records.js'
import { postgresPolicyWhere } from './postgres-policy-where.js'

/**
 * The PostgreSQL statement of `listPolicies`: the policies `filter` matches, newest first
 * (creation time, then id under "C"), after `page.after`, at most `page.limit`. A user's list
 * (`visibleTo`) is the union of the sources of what they may see, each walked newest first
 * through its own index and cut at the limit: the policies they own, and those each of their
 * reader entries names (`policy_readers`); so a page costs about its size however many policies
 * the user sees (see `sqlitePolicyListQuery`).
 *
 * @returns the SQL and its values (`$1`…).
 */
export function postgresPolicyListQuery(
  filter: PolicyFilter,
  page: PolicyPage,
): { readonly text: string; readonly values: unknown[] } {
  const values: unknown[] = []
  const param = (value: unknown) => {
    values.push(value)
    return `$${values.length}`
  }
  const newest = (created: string, id: string) =>
    `${
      page.after === undefined
        ? ''
        : `AND (${created}, ${id}) < (${param(page.after.createdAt)}, ${param(page.after.id)})`
    } ORDER BY ${created} DESC, ${id} DESC LIMIT ${param(page.limit)}`
  if (filter.visibleTo === undefined) {
    const where = postgresPolicyWhere(filter, values)
    return {
      text: `SELECT p.* FROM policies p WHERE ${where} ${newest('p.created_at', 'p.id COLLATE "C"')}`,
      values,
    }
  }
  const { visibleTo: _scope, ...rest } = filter
  const sources = [
    `(SELECT p.id FROM policies p WHERE p.owner = ${param(filter.visibleTo)}
       AND ${postgresPolicyWhere(rest, values)} ${newest('p.created_at', 'p.id COLLATE "C"')})`,
  ]
  for (const entry of readerEntriesFor(filter.visibleTo)) {
    sources.push(`(SELECT p.id FROM policy_readers r JOIN policies p ON p.id = r.policy_id
       WHERE r.reader = ${param(entry)} AND ${postgresPolicyWhere(rest, values)}
       ${newest('r.created_at', 'r.policy_id COLLATE "C"')})`)
  }
  return {
    text: `SELECT p.* FROM policies p WHERE p.id IN (${sources.join(' UNION ')})
      ORDER BY p.created_at DESC, p.id COLLATE "C" DESC LIMIT ${param(page.limit)}`,
    values,
  }
}
