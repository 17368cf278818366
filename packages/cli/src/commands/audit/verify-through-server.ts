import { type CheckpointVerifierKey, parseVerifierKey, verifyAuditLog } from '@latch/audit'
import type { KeyServerClient } from '@latch/client'
import { serverAuditRows } from '../../server-audit-rows.js'
import type { VerifiedLog } from './verified-log.js'

/**
 * Verifies the key server's log through its HTTP API (an admin token): the records page by page,
 * every checkpoint, the chain head.
 *
 * @param client the key server.
 * @param pinned the pinned checkpoint key; default the one the server publishes.
 * @param anchor a checkpoint note kept outside the database, which the log must hold.
 * @returns the verified log.
 */
export async function verifyThroughServer(
  client: KeyServerClient,
  pinned: CheckpointVerifierKey | undefined,
  anchor: string | undefined,
): Promise<VerifiedLog> {
  const published = await client.auditKey()
  const key = pinned ?? parseVerifierKey(published.verifierKey)
  const [head, { checkpoints }] = await Promise.all([client.auditHead(), client.auditCheckpoints()])
  const report = await verifyAuditLog({
    origin: head.origin,
    rows: serverAuditRows(client),
    notes: checkpoints.map((c) => c.note),
    key,
    headSize: head.size,
    ...(anchor === undefined ? {} : { anchor }),
  })
  return { ...report, key, origin: head.origin }
}
