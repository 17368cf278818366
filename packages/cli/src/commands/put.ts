import { createReadStream, existsSync, statSync } from 'node:fs'
import { Command } from 'commander'
import { latchFor, parseS3Url } from '../config.js'
import { CliError } from '../errors.js'
import type { Io } from '../io.js'
import { collectEmails, parseExpiry } from '../parse-expiry.js'
import { printable } from '../printable.js'
import { progressFor } from '../progress.js'

/**
 * `latch put FILE|- s3://BUCKET/KEY [--share EMAIL,…] [--expires WHEN] [--split URL1,URL2] [--json]`:
 * encrypts and uploads; prints only the policy id (a JSON document with `--json`).
 */
export function putCommand(io: Io): Command {
  return new Command('put')
    .description('encrypt a file (or stdin) and upload it; prints the policy id')
    .argument('<file>', 'a local file, or - for stdin')
    .argument('<url>', 's3://BUCKET/KEY')
    .option(
      '--share <emails>',
      'readers besides you (comma-separated; *@domain allowed)',
      collectEmails,
    )
    .option('--expires <when>', 'stop releasing the key after 30d, 12h, 90m or an ISO 8601 time')
    .option('--part-size <mib>', 'MiB of plaintext per S3 part (multipart uploads)', '8')
    .option(
      '--split <urls>',
      'split the key between two key servers, URL1,URL2: reading needs both (default: LATCH_SPLIT)',
    )
    .option('--json', 'one JSON document instead of the policy id')
    .action(async (file: string, url: string, options: PutFlags) => {
      const { createS3Client, EncryptedUpload } = await import('@latch/s3')
      const { bucket, key } = parseS3Url(url)
      if (file !== '-' && !existsSync(file))
        throw new CliError('ERR_CLI_NOT_FOUND', `no such file: ${file}`)
      const size = file === '-' ? undefined : statSync(file).size
      const partMib = Number(options.partSize)
      if (!Number.isInteger(partMib) || partMib < 5)
        throw new CliError('ERR_CLI_USAGE', '--part-size is a whole number of MiB, at least 5')
      const upload = new EncryptedUpload({
        client: createS3Client({}, io.env),
        latch: latchFor(io, options.split),
        bucket,
        key,
        body:
          file === '-'
            ? (io.stdin as AsyncIterable<Uint8Array>)
            : createReadStream(file, { highWaterMark: 1024 * 1024 }),
        ...(size === undefined ? {} : { size }),
        partSize: partMib * 1024 * 1024,
        ...(options.share === undefined ? {} : { readers: options.share }),
        ...(options.expires === undefined ? {} : { expiresAt: parseExpiry(options.expires) }),
      })
      const progress = progressFor(io, `put ${url}`)
      upload.on('progress', (p) => progress.update(p.loaded, p.total))
      try {
        const result = await upload.done()
        io.stdout.write(
          options.json === true
            ? `${JSON.stringify({ v: 1, ...result })}\n`
            : `${printable(result.policyId)}\n`,
        )
      } finally {
        progress.stop()
      }
    })
}

interface PutFlags {
  share?: string[]
  split?: string
  expires?: string
  partSize: string
  json?: boolean
}
