import { readerEntriesFor } from '../../policy/reader-entries-for.js'
import type { PolicyFilter } from '../records.js'

/**
 * The database clock for a statement that lists or counts policies: when the statement started,
 * one value throughout it, at the millisecond precision of the time columns.
 */
export const POSTGRES_STATEMENT_TIME = `date_trunc('milliseconds', statement_timestamp())`

/**
 * The PostgreSQL condition on `policies p` of a {@link PolicyFilter}, states judged at
 * {@link POSTGRES_STATEMENT_TIME}. Prefixes compare with `starts_with` and
 * substrings with `strpos`, not `LIKE`, so that `%` and `_` are literal; `lower` under the "C"
 * collation folds ASCII letters only, as SQLite's does.
 *
 * @param filter the filter.
 * @param values the statement's values so far; the condition's are appended (`$n` continue).
 * @returns the condition (`true` for an empty filter).
 */
export function postgresPolicyWhere(filter: PolicyFilter, values: unknown[]): string {
  const where: string[] = []
  const param = (value: unknown) => {
    values.push(value)
    return `$${values.length}`
  }
  const readersNaming = (email: string) =>
    `p.id IN (SELECT policy_id FROM policy_readers WHERE reader = ANY(${param(readerEntriesFor(email))}::text[]))`
  if (filter.visibleTo !== undefined) {
    where.push(`(p.owner = ${param(filter.visibleTo)} OR ${readersNaming(filter.visibleTo)})`)
  }
  if (filter.owner !== undefined) where.push(`p.owner = ${param(filter.owner)}`)
  if (filter.reader !== undefined) where.push(readersNaming(filter.reader))
  if (filter.bucket !== undefined) {
    where.push(`p.id IN (SELECT policy_id FROM policy_objects
      WHERE bucket = ${param(filter.bucket)} AND starts_with(key, ${param(filter.prefix ?? '')}))`)
  }
  if (filter.label !== undefined) {
    where.push(
      `(p.labels::jsonb ->> ${param(filter.label.key)}::text) = ${param(filter.label.value)}`,
    )
  }
  if (filter.state === 'revoked') where.push('p.revoked_at IS NOT NULL')
  if (filter.state === 'expired')
    where.push(`p.revoked_at IS NULL AND p.expires_at <= ${POSTGRES_STATEMENT_TIME}`)
  if (filter.state === 'active') {
    where.push(
      `p.revoked_at IS NULL AND (p.expires_at IS NULL OR p.expires_at > ${POSTGRES_STATEMENT_TIME})`,
    )
  }
  if (filter.search !== undefined) {
    const q = param(filter.search)
    const has = (column: string) => `strpos(lower(${column} COLLATE "C"), ${q}) > 0`
    where.push(`(${has('p.id')} OR strpos(p.owner, ${q}) > 0
      OR EXISTS (SELECT 1 FROM policy_readers r WHERE r.policy_id = p.id AND strpos(r.reader, ${q}) > 0)
      OR EXISTS (SELECT 1 FROM policy_objects o WHERE o.policy_id = p.id
        AND (${has('o.bucket')} OR ${has('o.key')})))`)
  }
  return where.length === 0 ? 'true' : where.join(' AND ')
}
