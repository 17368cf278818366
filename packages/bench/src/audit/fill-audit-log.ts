import { randomUUID } from 'node:crypto'
import { type Store, startServer } from '@latch/server'

/** A copied audit record before it is appended (the store adds `v`, `seq` and `time`). */
export type AuditDraftCopy = Parameters<Store['appendAudit']>[0]

/** Options of {@link fillAuditLog}. */
export interface FillAuditLogOptions {
  /** Signs a checkpoint after every this many appended records (default: only at the end). */
  readonly checkpointEvery?: number
  /** Changes the `n`-th copy (from 0) before it is appended, e.g. to name another object. */
  readonly rewrite?: (draft: AuditDraftCopy, n: number) => AuditDraftCopy
  /**
   * Signs one more checkpoint this long after the last record, before the one `close` signs:
   * a file report's window must end some time before a checkpoint (`AUDIT_TIME_TOLERANCE_MS`).
   */
  readonly signAfterMs?: number
}

/**
 * Grows a stopped key server's audit chain to at least `target` records, so that the verifier
 * is timed on a log of a meaningful size. Starts the server in this process with the unsigned
 * tail bound lifted (the CLI has no flag for it, and appending 100,000 records with no checkpoint
 * between them would pass the default bound), appends copies of the chain's own last
 * `key.release` and `key.release.denied` records, each with a fresh `request_id`, one
 * transaction each as the server does, then closes it, which signs a checkpoint of the new head.
 *
 * @returns how many records were appended (0 when the chain was long enough).
 */
export async function fillAuditLog(
  dataDir: string,
  target: number,
  options: FillAuditLogOptions = {},
): Promise<number> {
  const server = await startServer({
    dataDir,
    port: 0,
    logger: false,
    maxUnsignedRecords: Number.MAX_SAFE_INTEGER,
    maxUnsignedAgeMs: Number.MAX_SAFE_INTEGER,
  })
  try {
    const { store, checkpointer } = server.services
    const head = await store.auditHead()
    const templates = (await store.readAudit(Math.max(0, head.size - 1000), 1000))
      .map((row) => JSON.parse(Buffer.from(row.recordBytes).toString('utf8')))
      .filter((record) => String(record.type).startsWith('key.release'))
      .map(({ v: _v, seq: _seq, time: _time, ...draft }) => draft)
    if (templates.length === 0) throw new Error('no key.release record to copy')
    const rewrite = options.rewrite ?? ((draft: AuditDraftCopy) => draft)
    let appended = 0
    for (let size = head.size; size < target; size++, appended++) {
      const template = templates[appended % templates.length]
      await store.appendAudit(rewrite({ ...template, request_id: randomUUID() }, appended))
      if (options.checkpointEvery !== undefined && (appended + 1) % options.checkpointEvery === 0) {
        await checkpointer.sign()
      }
    }
    if (options.signAfterMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, options.signAfterMs))
      await checkpointer.sign()
    }
    return appended
  } finally {
    await server.close()
  }
}
