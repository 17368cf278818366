import { type AuditWindowStart, type CheckpointVerifierKey, fileReportBounds } from '@latch/audit'
import type { CheckpointRecord } from '../store/records.js'
import type { Store } from '../store/store.js'

/** A stretch of the audit chain to export: where it starts and ends, and the notes up to its end. */
export interface AuditStretch {
  /** The checkpoint it starts after; `undefined`: the start of the log. */
  readonly from: AuditWindowStart | undefined
  /** Its last record's seq. */
  readonly size: number
  /** That record's entry hash (`h_size`). */
  readonly headHash: Uint8Array
  /** Every checkpoint up to `size`, oldest first. */
  readonly checkpoints: readonly CheckpointRecord[]
}

/**
 * The stretch of the chain an export holds. Without a window, the whole log up to the head. With
 * one, the stretch a per-file report over it verifies (`fileReportBounds`): from the last
 * checkpoint signed before `since` to the first signed at least `AUDIT_TIME_TOLERANCE_MS` after
 * `until`, or to the head while there is none yet.
 *
 * @param store the store.
 * @param key the checkpoint key the notes must verify under to bound the stretch.
 * @param window the time window, if any.
 * @returns the stretch.
 * @throws ServerError `ERR_STORE_UNAVAILABLE` when the database fails.
 */
export async function auditStretch(
  store: Store,
  key: CheckpointVerifierKey,
  window: { readonly since: Date; readonly until: Date } | undefined,
): Promise<AuditStretch> {
  // The notes before the head: the head then covers every note read.
  const checkpoints = await store.listCheckpoints()
  const head = await store.auditHead()
  if (window === undefined) {
    return { from: undefined, size: head.size, headHash: head.headHash, checkpoints }
  }
  const bounds = fileReportBounds({ notes: checkpoints.map((c) => c.note), key, ...window })
  const end = bounds.to ?? { size: head.size, headHash: head.headHash }
  return {
    from:
      bounds.from === undefined
        ? undefined
        : { size: bounds.from.size, headHash: bounds.from.headHash },
    size: end.size,
    headHash: end.headHash,
    checkpoints: checkpoints.filter((c) => c.size <= end.size),
  }
}
