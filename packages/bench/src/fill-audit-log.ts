import { randomUUID } from 'node:crypto'
import { startServer } from '@latch/server'

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
export async function fillAuditLog(dataDir: string, target: number): Promise<number> {
  const server = await startServer({
    dataDir,
    port: 0,
    logger: false,
    maxUnsignedRecords: Number.MAX_SAFE_INTEGER,
    maxUnsignedAgeMs: Number.MAX_SAFE_INTEGER,
  })
  try {
    const store = server.services.store
    const head = await store.auditHead()
    const templates = (await store.readAudit(Math.max(0, head.size - 1000), 1000))
      .map((row) => JSON.parse(Buffer.from(row.recordBytes).toString('utf8')))
      .filter((record) => String(record.type).startsWith('key.release'))
      .map(({ v: _v, seq: _seq, time: _time, ...draft }) => draft)
    if (templates.length === 0) throw new Error('no key.release record to copy')
    let appended = 0
    for (let size = head.size; size < target; size++, appended++) {
      const template = templates[appended % templates.length]
      await store.appendAudit({ ...template, request_id: randomUUID() })
    }
    return appended
  } finally {
    await server.close()
  }
}
