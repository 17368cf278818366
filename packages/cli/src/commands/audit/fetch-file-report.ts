import {
  AUDIT_TIME_TOLERANCE_MS,
  buildFileReport,
  type CheckpointVerifierKey,
  type FileReport,
  parseVerifierKey,
} from '@latch/audit'
import type { KeyServerClient } from '@latch/client'
import type { Io } from '../../io.js'
import { printable } from '../../printable.js'
import { serverAuditRows } from '../../server-audit-rows.js'

/**
 * The per-file report over a window, from records read through the key server and verified here
 * between two signed checkpoints around the window. When no checkpoint is timed late enough after
 * the window yet, waits until one would be and has the server sign one (five tries).
 *
 * @param client the key server (an admin token).
 * @param window the file's policy id and the window (`until` after `since`, not in the future).
 * @param pinned the pinned checkpoint key; default the one the server publishes.
 * @param io where to say that it waits.
 * @param name how to name the server when saying so (with `--split`, its URL).
 * @returns the report and the key it trusted.
 * @throws AuditError `ERR_AUDIT_CHECKPOINT_MISSING` when the server signed no checkpoint late
 *   enough (its clock lags far behind this one).
 */
export async function fetchFileReport(
  client: KeyServerClient,
  window: { readonly policyId: string; readonly since: Date; readonly until: Date },
  pinned: CheckpointVerifierKey | undefined,
  io: Io,
  name?: string,
): Promise<FileReport & { key: CheckpointVerifierKey }> {
  const published = await client.auditKey()
  const key = pinned ?? parseVerifierKey(published.verifierKey)
  let { checkpoints } = await client.auditCheckpoints()
  // The window ends at the first checkpoint timed AUDIT_TIME_TOLERANCE_MS after `until` (a record
  // timed before `until` may be chained up to that much later). Checkpoints are timed by the
  // database's clock, not this machine's: when none is late enough yet, wait until this clock
  // says one would be and have the server sign one, and go on waiting while the server's clock
  // lags behind this one.
  const boundary = window.until.getTime() + AUDIT_TIME_TOLERANCE_MS
  const covered = () => checkpoints.some((c) => Date.parse(c.signedAt) >= boundary)
  for (let attempt = 0; !covered() && attempt < 5; attempt++) {
    const wait = Math.max(boundary - Date.now(), attempt === 0 ? 0 : 1000)
    if (wait > 0) {
      const on = name === undefined ? '' : ` on ${printable(name)}`
      io.stderr.write(
        `signing a checkpoint${on} after the window (in ${Math.ceil(wait / 1000)} s)…\n`,
      )
      await new Promise((resolve) => setTimeout(resolve, wait + 10))
    }
    await client.signCheckpoint()
    ;({ checkpoints } = await client.auditCheckpoints())
  }
  const report = await buildFileReport({
    ...window,
    origin: published.origin,
    key,
    notes: checkpoints.map((c) => c.note),
    rows: (after, upTo) => serverAuditRows(client, after, upTo),
  })
  return { ...report, key }
}
