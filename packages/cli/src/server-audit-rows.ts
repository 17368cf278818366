import type { AuditRow } from '@latch/audit'
import type { KeyServerClient } from '@latch/client'

/**
 * The audit rows with `after < seq ≤ upTo` (or to the end), paged through
 * `GET /v1/audit/records`, their bytes decoded as stored.
 */
export async function* serverAuditRows(
  client: KeyServerClient,
  after = 0,
  upTo = Number.POSITIVE_INFINITY,
): AsyncIterable<AuditRow> {
  let next = after
  while (next < upTo) {
    const page = await client.auditRecords(next, Math.min(10_000, upTo - next))
    for (const r of page.records) {
      if (r.seq > upTo) return
      yield {
        seq: r.seq,
        recordBytes: Buffer.from(r.record, 'base64'),
        entryHash: Buffer.from(r.entryHash, 'base64'),
      }
    }
    if (page.next === null) return
    next = page.next
  }
}
