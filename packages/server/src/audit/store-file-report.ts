import { buildFileReport, type CheckpointVerifierKey, type FileReport } from '@latch/audit'
import { auditRowsBetween } from '../store/audit-rows-between.js'
import type { Store } from '../store/store.js'

/**
 * A file's audit report over a window (`GET /v1/policies/:id/report`), built from the store's
 * records and checkpoints and verified with `@latch/audit` as `latch audit report` builds it:
 * from the last checkpoint signed before `since` to the first signed at least
 * `AUDIT_TIME_TOLERANCE_MS` after `until`. While there is none yet, it runs to the chain head and
 * says so (`unsignedTail`) rather than wait for one.
 *
 * @param store the store.
 * @param key the checkpoint key the notes must verify under (the server's own).
 * @param window the policy and the window (`until` after `since`).
 * @returns the report.
 * @throws ServerError `ERR_STORE_UNAVAILABLE` when the database fails.
 */
export async function storeFileReport(
  store: Store,
  key: CheckpointVerifierKey,
  window: { readonly policyId: string; readonly since: Date; readonly until: Date },
): Promise<FileReport> {
  // The notes before the head: the head then covers every note read.
  const notes = (await store.listCheckpoints()).map((c) => c.note)
  const head = await store.auditHead()
  return buildFileReport({
    ...window,
    origin: store.auditOrigin,
    key,
    notes,
    rows: (after, upTo) => auditRowsBetween(store, after, upTo),
    head: { size: head.size, headHash: head.headHash },
  })
}
