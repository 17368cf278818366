import type { AuditRow } from './records.js'
import type { Store } from './store.js'

/**
 * The records with `after < seq ≤ upTo`, ascending, read page by page (`iterateAudit`) and no
 * further: a chain stretch ends at its bound while the server goes on appending.
 *
 * @param store the store.
 * @param after the seq before the first record.
 * @param upTo the last record's seq.
 */
export async function* auditRowsBetween(
  store: Store,
  after: number,
  upTo: number,
): AsyncGenerator<AuditRow, void, undefined> {
  if (upTo <= after) return
  for await (const row of store.iterateAudit(after)) {
    if (row.seq > upTo) return
    yield row
    if (row.seq === upTo) return
  }
}
