import type { AuditRow } from './records.js'
import type { Store } from './store.js'

/** Records a page of {@link iterateAuditPages} reads at most. */
export const AUDIT_PAGE_SIZE = 10_000

/**
 * {@link Store.iterateAudit} for both stores: every record from `afterSeq + 1`, read a page at a
 * time with `read` (the store's `readAudit`). Pages, not one open cursor: better-sqlite3 forbids
 * writes on a connection while one of its statements iterates, a PostgreSQL cursor would hold a
 * pooled connection and a snapshot for as long as the verifier takes, and the server keeps
 * writing while the verifier reads.
 *
 * @param read returns the records with `seq > afterSeq`, ascending, at most `limit`.
 * @param afterSeq the records before and at it are skipped.
 * @param pageSize records per read.
 */
export async function* iterateAuditPages(
  read: (afterSeq: number, limit: number) => Promise<AuditRow[]>,
  afterSeq = 0,
  pageSize = AUDIT_PAGE_SIZE,
): AsyncGenerator<AuditRow, void, undefined> {
  let next = afterSeq
  for (;;) {
    const page = await read(next, pageSize)
    for (const row of page) yield row
    if (page.length < pageSize) return
    next = (page[page.length - 1] as AuditRow).seq
  }
}
