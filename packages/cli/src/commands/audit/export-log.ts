import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { type AuditExportSummary, encodeAuditExport } from '@latch/audit'
import { type KeyServerClient, writeAtomically } from '@latch/client'
import type { Io } from '../../io.js'
import { serverAuditRows } from '../../server-audit-rows.js'

/**
 * Exports the key server's whole log (`latch audit export`): signs the head first, so that a
 * checkpoint covers every record, then streams the header, the checkpoints and the records up to
 * that head, in constant memory, while the server goes on. A file appears only once complete
 * (`writeAtomically`): an error leaves no partial export behind.
 *
 * @param client the key server (an admin token).
 * @param output the file, or `-` for standard output.
 * @param io standard output.
 * @returns what was written, and the published verifier key to check it with.
 */
export async function exportLog(
  client: KeyServerClient,
  output: string,
  io: Io,
): Promise<AuditExportSummary & { verifierKey: string }> {
  await client.signCheckpoint()
  const [published, head, { checkpoints }] = await Promise.all([
    client.auditKey(),
    client.auditHead(),
    client.auditCheckpoints(),
  ])
  const encoded = encodeAuditExport({
    header: {
      origin: head.origin,
      exportedAt: new Date(),
      size: head.size,
      headHash: Buffer.from(head.headHash, 'base64'),
      from: undefined,
    },
    checkpoints: checkpoints
      .filter((c) => c.size <= head.size)
      .map((c) => ({ size: c.size, note: c.note, signedAt: new Date(c.signedAt) })),
    rows: serverAuditRows(client, 0, head.size),
  })
  // Not object mode: the stream's buffer is counted in bytes, not in 64 KiB chunks.
  const bytes = () => Readable.from(encoded, { objectMode: false })
  if (output === '-') {
    await pipeline(bytes(), io.stdout as Writable, { end: false })
  } else {
    await writeAtomically(output, (sink) => pipeline(bytes(), sink))
  }
  return { ...encoded.summary, verifierKey: published.verifierKey }
}
