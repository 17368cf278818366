import {
  AuditError,
  type AuditVerifyReport,
  type CheckpointVerifierKey,
  ed25519PublicKey,
  verifyAuditLog,
} from '@latch/audit'
import { checkpointKeyName } from '../keys/checkpoint-key-name.js'
import type { Store } from '../store/store.js'

/** Options of {@link verifyStore}. */
export interface VerifyStoreOptions {
  /** The pinned checkpoint key (`--key`); default the one the store holds. */
  key?: CheckpointVerifierKey
  /** The time the freshness verdict is taken at; default now. */
  now?: Date
  /** A checkpoint note kept outside the database, which the log must hold (`--anchor`). */
  anchor?: string
}

/**
 * Verifies a store's whole audit chain and its signed checkpoints. The checkpoint key is the
 * pinned one when given (`--key`), else the one the store holds: that proves the chain consistent
 * with its own checkpoints, while a pinned key also proves the checkpoints are the server's, and
 * an anchor that the database was not rolled back past it.
 *
 * @param store an open store (a read-only one will do); the caller closes it.
 * @param options the pinned key, the time of the freshness verdict, an anchor note.
 * @returns `verifyAuditLog`'s report, with the key it used and the log's origin.
 * @throws AuditError `ERR_AUDIT_CHECKPOINT_INVALID` when no key is pinned and the database holds
 *   no checkpoint key; ServerError `ERR_STORE_UNAVAILABLE` when the database fails.
 * @example
 * const report = await verifyStore(store, { key: parseVerifierKey(pinned) })
 */
export async function verifyStore(
  store: Store,
  options: VerifyStoreOptions = {},
): Promise<AuditVerifyReport & { key: CheckpointVerifierKey; origin: string }> {
  const key = options.key ?? (await storedCheckpointKey(store))
  const [notes, head] = await Promise.all([store.listCheckpoints(), store.auditHead()])
  const pages = store.scanAuditConcurrently?.()
  const report = await verifyAuditLog({
    origin: store.auditOrigin,
    rows: pages === undefined ? (store.scanAudit?.() ?? store.iterateAudit(0)) : { pages },
    notes: notes.map((n) => n.note),
    key,
    headSize: head.size,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.anchor === undefined ? {} : { anchor: options.anchor }),
  })
  return { ...report, key, origin: store.auditOrigin }
}

async function storedCheckpointKey(store: Store): Promise<CheckpointVerifierKey> {
  const record = (await store.listServerKeys()).filter((k) => k.use === 'checkpoint').at(-1)
  if (record === undefined) {
    throw new AuditError('ERR_AUDIT_CHECKPOINT_INVALID', 'the database holds no checkpoint key')
  }
  return { name: checkpointKeyName(record.kid), publicKey: ed25519PublicKey(record.publicKey) }
}
