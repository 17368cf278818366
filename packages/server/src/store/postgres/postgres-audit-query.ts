import { auditFilterTerms } from '../audit-filter-terms.js'
import type { AuditFilter } from '../records.js'

/**
 * The PostgreSQL statement of `queryAudit`: the filter's terms on the index columns of
 * `audit_log`, in seq order. A prefix compares with `starts_with`, not `LIKE`, so that `%` and `_`
 * are literal.
 *
 * @returns the SQL and its values (`$1`…).
 */
export function postgresAuditQuery(
  filter: AuditFilter,
  afterSeq: number,
  limit: number,
): { readonly text: string; readonly values: unknown[] } {
  const values: unknown[] = [afterSeq]
  const where = ['seq > $1']
  for (const term of auditFilterTerms(filter)) {
    values.push(term.value)
    const n = `$${values.length}`
    where.push(
      term.op === 'prefix'
        ? `starts_with(${term.column}, ${n})`
        : `${term.column} ${term.op === 'gte' ? '>=' : term.op === 'lt' ? '<' : '='} ${n}`,
    )
  }
  values.push(limit)
  return {
    text: `SELECT seq, record, entry_hash FROM audit_log WHERE ${where.join(' AND ')}
      ORDER BY seq LIMIT $${values.length}`,
    values,
  }
}
