import { auditFilterTerms } from '../audit-filter-terms.js'
import type { AuditFilter, AuditPage } from '../records.js'

/**
 * The SQLite statement of `queryAudit`: the filter's terms on `audit_index`, joined to the records
 * they index, in the page's seq order. A prefix compares with `substr`, not `LIKE`, so that `%` and `_` are
 * literal; times compare as the ISO 8601 text every time column holds.
 *
 * @returns the SQL and its positional values.
 */
export function sqliteAuditQuery(
  filter: AuditFilter,
  page: AuditPage,
): { readonly sql: string; readonly values: unknown[] } {
  const where = ['i.seq > ?']
  const values: unknown[] = [page.after ?? 0]
  if (page.before !== undefined) {
    where.push('i.seq < ?')
    values.push(page.before)
  }
  for (const term of auditFilterTerms(filter)) {
    if (term.op === 'owned-by') {
      where.push('i.policy_id IN (SELECT id FROM policies WHERE owner = ?)')
      values.push(term.value)
    } else if (term.op === 'prefix') {
      where.push(`substr(i.${term.column}, 1, ?) = ?`)
      values.push(term.value.length, term.value)
    } else if (term.column === 'time') {
      where.push(`i.time ${term.op === 'gte' ? '>=' : '<'} ?`)
      values.push(term.value.toISOString())
    } else {
      where.push(`i.${term.column} = ?`)
      values.push(term.value)
    }
  }
  values.push(page.limit)
  return {
    sql: `SELECT a.seq, a.record, a.entry_hash FROM audit_index i JOIN audit_log a USING (seq)
      WHERE ${where.join(' AND ')} ORDER BY i.seq ${page.order === 'desc' ? 'DESC' : ''} LIMIT ?`,
    values,
  }
}
