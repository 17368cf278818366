import { auditFilterTerms } from '../audit-filter-terms.js'
import type { AuditFilter, AuditPage } from '../records.js'

/**
 * The PostgreSQL statement of `queryAudit`: the filter's terms on the index columns of
 * `audit_log`, in the page's seq order. A prefix compares with `starts_with`, not `LIKE`, so that `%` and `_`
 * are literal.
 *
 * @returns the SQL and its values (`$1`…).
 */
export function postgresAuditQuery(
  filter: AuditFilter,
  page: AuditPage,
): { readonly text: string; readonly values: unknown[] } {
  const values: unknown[] = [page.after ?? 0]
  const where = ['seq > $1']
  if (page.before !== undefined) {
    values.push(page.before)
    where.push(`seq < $${values.length}`)
  }
  for (const term of auditFilterTerms(filter)) {
    values.push(term.value)
    const n = `$${values.length}`
    where.push(
      term.op === 'owned-by'
        ? `policy_id IN (SELECT id FROM policies WHERE owner = ${n})`
        : term.op === 'prefix'
          ? `starts_with(${term.column}, ${n})`
          : `${term.column} ${term.op === 'gte' ? '>=' : term.op === 'lt' ? '<' : '='} ${n}`,
    )
  }
  values.push(page.limit)
  return {
    text: `SELECT seq, record, entry_hash FROM audit_log WHERE ${where.join(' AND ')}
      ORDER BY seq ${page.order === 'desc' ? 'DESC' : ''} LIMIT $${values.length}`,
    values,
  }
}
