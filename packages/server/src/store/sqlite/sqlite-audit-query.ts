import { auditFilterTerms } from '../audit-filter-terms.js'
import type { AuditFilter } from '../records.js'

/**
 * The SQLite statement of `queryAudit`: the filter's terms on `audit_index`, joined to the records
 * they index, in seq order. A prefix compares with `substr`, not `LIKE`, so that `%` and `_` are
 * literal; times compare as the ISO 8601 text every time column holds.
 *
 * @returns the SQL and its positional values.
 */
export function sqliteAuditQuery(
  filter: AuditFilter,
  afterSeq: number,
  limit: number,
): { readonly sql: string; readonly values: unknown[] } {
  const where = ['i.seq > ?']
  const values: unknown[] = [afterSeq]
  for (const term of auditFilterTerms(filter)) {
    if (term.op === 'prefix') {
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
  values.push(limit)
  return {
    sql: `SELECT a.seq, a.record, a.entry_hash FROM audit_index i JOIN audit_log a USING (seq)
      WHERE ${where.join(' AND ')} ORDER BY i.seq LIMIT ?`,
    values,
  }
}
