import type { CheckpointVerifierKey, FileReport } from '@latch/audit'
import type { KeyServerClient } from '@latch/client'
import type { Io } from '../../io.js'
import { printable } from '../../printable.js'
import { fetchFileReport } from './fetch-file-report.js'

/** One key server's report on a split file: its URL, its kas id, the report and the key it trusted. */
export interface SplitServerFileReport {
  readonly server: string
  readonly kasId: string
  readonly report: FileReport & { key: CheckpointVerifierKey }
}

/**
 * The reports of both key servers of a split file over one window, fetched side by side, each
 * verified against its own server's checkpoints and key (see {@link fetchFileReport}).
 *
 * @param servers the two key servers, in share order (admin tokens).
 * @param window the file's policy id and the window.
 * @param pinned the pinned checkpoint key of each server, in the same order; default the ones
 *   they publish.
 * @param io where to say that a server is waited for, and which one failed.
 * @returns the two reports, in server order.
 * @throws the first server's error when either fails (after naming each server that did).
 */
export async function fetchSplitReport(
  servers: readonly [KeyServerClient, KeyServerClient],
  window: { readonly policyId: string; readonly since: Date; readonly until: Date },
  pinned: readonly [CheckpointVerifierKey, CheckpointVerifierKey] | undefined,
  io: Io,
): Promise<[SplitServerFileReport, SplitServerFileReport]> {
  const settled = await Promise.allSettled(
    servers.map(async (client, i) => {
      const [{ kasId }, report] = await Promise.all([
        client.keys(),
        fetchFileReport(client, window, pinned?.[i], io, client.server),
      ])
      return { server: client.server, kasId, report }
    }),
  )
  const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ s, i }] : []))
  for (const { i } of failed) {
    io.stderr.write(`${printable(`no report from ${servers[i]?.server}:`)}\n`)
  }
  const first = failed[0]
  if (first !== undefined) throw (first.s as PromiseRejectedResult).reason
  return settled.map((s) => (s as PromiseFulfilledResult<SplitServerFileReport>).value) as [
    SplitServerFileReport,
    SplitServerFileReport,
  ]
}
