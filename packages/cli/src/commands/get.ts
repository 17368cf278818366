import { Command } from 'commander'
import { latchFor, parseS3Url } from '../config.js'
import type { Io } from '../io.js'
import { progressFor } from '../progress.js'

/**
 * `latch get s3://BUCKET/KEY FILE|- [--range START-END]`: downloads and decrypts. A file appears
 * only once every byte verified; on stdout, bytes flow as segments verify (a failure ends the
 * stream with exit 65).
 */
export function getCommand(io: Io): Command {
  return new Command('get')
    .description('download and decrypt an object (or a byte range of it)')
    .argument('<url>', 's3://BUCKET/KEY')
    .argument('<file>', 'a local file, or - for stdout')
    .option('--range <range>', 'plaintext bytes START-END (inclusive), START- or -N (the last N)')
    .option(
      '--split <urls>',
      'the two key servers of a split file, URL1,URL2 (default: LATCH_SPLIT)',
    )
    .action(async (url: string, file: string, options: { range?: string; split?: string }) => {
      const { createS3Client, downloadFile } = await import('@latch/s3')
      const { bucket, key } = parseS3Url(url)
      const progress = progressFor(io, `get ${url}`)
      try {
        await downloadFile(
          bucket,
          key,
          file === '-'
            ? (io.stdout as NodeJS.WritableStream & import('node:stream').Writable)
            : file,
          {
            client: createS3Client({}, io.env),
            latch: latchFor(io, options.split),
            ...(options.range === undefined ? {} : { range: options.range }),
            onProgress: (p) => progress.update(p.loaded, p.total),
          },
        )
      } finally {
        progress.stop()
      }
    })
}
