import { ServerError } from '../errors.js'
import { checkpointKeyName } from '../keys/checkpoint-key-name.js'
import type { Store } from '../store/store.js'
import type { CheckpointVerifierKey } from './checkpoint-note.js'
import { ed25519PublicKey } from './verifier-key.js'
import { type AuditVerifyReport, verifyAuditLog } from './verify-audit-log.js'

/**
 * Verifies a store's whole audit chain and its signed checkpoints. The checkpoint key is the
 * pinned one when given (`--key`), else the one the store holds: that proves the chain consistent
 * with its own checkpoints, while a pinned key also proves the checkpoints are the server's.
 */
export async function verifyStore(
  store: Store,
  options: { key?: CheckpointVerifierKey; now?: Date } = {},
): Promise<AuditVerifyReport & { key: CheckpointVerifierKey; origin: string }> {
  const key = options.key ?? (await storedCheckpointKey(store))
  const [notes, head] = await Promise.all([store.listCheckpoints(), store.auditHead()])
  const report = await verifyAuditLog({
    origin: store.auditOrigin,
    rows: store.scanAudit?.() ?? store.iterateAudit(0),
    notes: notes.map((n) => n.note),
    key,
    headSize: head.size,
    ...(options.now === undefined ? {} : { now: options.now }),
  })
  return { ...report, key, origin: store.auditOrigin }
}

async function storedCheckpointKey(store: Store): Promise<CheckpointVerifierKey> {
  const record = (await store.listServerKeys()).filter((k) => k.use === 'checkpoint').at(-1)
  if (record === undefined) {
    throw new ServerError('ERR_AUDIT_CHECKPOINT_INVALID', 'the database holds no checkpoint key')
  }
  return { name: checkpointKeyName(record.kid), publicKey: ed25519PublicKey(record.publicKey) }
}
